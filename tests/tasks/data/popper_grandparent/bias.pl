head_pred(grandparent, 2).
body_pred(father, 2).
body_pred(mother, 2).
type(grandparent, (person, person)).
type(father, (person, person)).
type(mother, (person, person)).
direction(grandparent, (in, out)).
max_vars(3).
max_body(2).
:- not body_literal(_, father, _, _).
