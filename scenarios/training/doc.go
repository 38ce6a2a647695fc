// Package training runs the hands-on training labs: a lab is a topology in
// a starting state (its setup steps break or leave unfinished what the
// student fixes), a task statement, hints, objectives that grade the
// student's work with points, and a reference solution. Labs are
// scenarios/labs' files; their steps and checks are scenario steps
// (scenarios/scenario), run against a lab named t-NAME that stays up
// between commands.
package training
