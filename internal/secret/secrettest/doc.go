// Package secrettest holds what the secrets matrices of esrt and of its
// contrib modules share: distinctive secret values and every form in which
// one could leak ([Forms]), the failures a request meets ([Failures],
// started on loopback by [Start]), and the surfaces where text is written
// ([Surfaces], collected by a [Capture] and checked by [Capture.Check]).
//
// It is for tests only: it imports package testing. The core matrix is in
// reliability/secrets; contrib/aws/sigv4 and contrib/otel/otelesrt have
// their own, over the same failures and surfaces.
package secrettest
