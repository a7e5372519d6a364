"""A neural predicate: a CNN learns MNIST digits from the sums of image pairs alone.

The program is given (DeepProbLog's single-digit addition):

    addition(X, Y, Z) :- digit(X, A), digit(Y, B), plus(A, B, Z).

``digit`` is a neural predicate: a PerceptEncoder maps each image to a distribution over the ten
concept rows 0..9, and P(sum = n) marginalises over both images' digits. No digit label is used;
they only score the encoder at the end. Runs in well under a minute on a CPU
(without ../shared/mnist it uses generated digit-like patterns instead).

    python examples/neural_predicate.py
"""

import torch

from neurosym.bench.mnist_bench import addition_relation, digit_encoder
from neurosym.concepts.percept import images_to_tensor
from neurosym.errors import NeurosymError
from neurosym.tasks.mnist import (
    TEST_RANGE,
    TRAIN_RANGE,
    addition_pairs,
    read_mnist,
    synthetic_digits,
)

try:
    images, labels = read_mnist()
except NeurosymError as err:
    print(f"{err}\nusing generated digit-like patterns instead")
    images, labels = synthetic_digits()
torch.manual_seed(0)
pixels = images_to_tensor(images)
pairs = addition_pairs(labels, TRAIN_RANGE, 1500, seed=0)  # only the sums are labels
encoder = digit_encoder()  # DigitCNN -> 10 concept rows
plus = addition_relation()  # [10, 10, 19] from the program
optimizer = torch.optim.Adam(encoder.parameters(), lr=1e-3)
for i in range(0, len(pairs), 8):
    a = encoder.probabilities(pixels[pairs.first[i : i + 8]])  # [B, 10] P(digit(X, A))
    b = encoder.probabilities(pixels[pairs.second[i : i + 8]])
    p_sum = torch.einsum("abn,xa,xb->xn", plus, a, b)  # [B, 19] P(addition(X, Y, n))
    target = torch.as_tensor(pairs.label[i : i + 8]).unsqueeze(1)
    loss = -torch.log(p_sum.gather(1, target) + 1e-7).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()

test = list(TEST_RANGE)
with torch.no_grad():
    predicted = encoder(pixels[test]).argmax(1).numpy()
print(
    f"digit accuracy on {len(test)} unseen images (never labelled): "
    f"{(predicted == labels[test]).mean():.1%}"
)
