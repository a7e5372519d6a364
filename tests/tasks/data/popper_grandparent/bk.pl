% A small family (our own data), in Popper's layout.
:- discontiguous father/2.
father(ann_dad, bob).   father(bob, carl).
father(bob, dora).
mother(ann, bob).
mother(eve, carl). mother(eve, dora).
mother(dora, 'Fay Z').
age(bob, 40).   % not a body_pred: dropped with a note
