pos(grandparent(ann_dad, carl)).
pos(grandparent(ann_dad, dora)).
pos(grandparent(ann, carl)).
pos(grandparent(ann, dora)).
pos(grandparent(bob, 'Fay Z')).
pos(grandparent(eve, 'Fay Z')).
pos(grandparent(eve, 'Fay Z')).
neg(grandparent(bob, carl)).
neg(grandparent(carl, bob)).
neg(grandparent(ann, bob)).
neg(grandparent(dora, carl)).
