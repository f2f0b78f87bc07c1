"""The RFC 9162 Merkle functions against hand-computed small trees and, for every size up to 70, each other."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from registry.services import merkle


def h(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def L(data: bytes) -> bytes:
    return h(b"\x00" + data)


def N(left: bytes, right: bytes) -> bytes:
    return h(b"\x01" + left + right)


D = [bytes([i]) * 3 for i in range(8)]
a, b, c, d, e, f, g = (L(x) for x in D[:7])


def test_the_empty_tree_and_a_single_leaf_have_the_rfc_roots():
    assert merkle.root([]) == h(b"")
    assert merkle.leaf_hash(D[0]) == a
    assert merkle.root([a]) == a


def test_a_seven_leaf_tree_splits_at_the_largest_power_of_two_below_its_size():
    # RFC 9162 §2.1.5's example tree of seven leaves, written out by hand.
    ab, cd, ef = N(a, b), N(c, d), N(e, f)
    abcd = N(ab, cd)
    expected = N(abcd, N(ef, g))
    assert merkle.root([a, b, c, d, e, f, g]) == expected
    assert merkle.root([a, b, c]) == N(ab, c)
    assert merkle.root([a, b, c, d, e]) == N(abcd, e)


def test_the_rfc_example_proofs_for_the_seven_leaf_tree():
    leaves = [a, b, c, d, e, f, g]
    ab, cd, ef, abcd = N(a, b), N(c, d), N(e, f), N(N(a, b), N(c, d))
    # §2.1.5: the inclusion proof for leaf b is [a, cd, efg]; for d it is [c, ab, efg].
    efg = N(ef, g)
    assert merkle.inclusion_proof(1, leaves) == [a, cd, efg]
    assert merkle.inclusion_proof(3, leaves) == [c, ab, efg]
    assert merkle.inclusion_proof(6, leaves) == [ef, abcd]
    # §2.1.5: consistency 3 -> 7 is [c, d, ab, efg]; 4 -> 7 is [efg]; 6 -> 7 is [ef, g, abcd].
    assert merkle.consistency_proof(3, leaves) == [c, d, ab, efg]
    assert merkle.consistency_proof(4, leaves) == [efg]
    assert merkle.consistency_proof(6, leaves) == [ef, g, abcd]
    root7 = merkle.root(leaves)
    assert merkle.verify_consistency(3, 7, N(ab, c), root7, [c, d, ab, efg])
    assert merkle.verify_consistency(4, 7, abcd, root7, [efg])
    assert merkle.verify_consistency(6, 7, N(abcd, ef), root7, [ef, g, abcd])
    assert merkle.verify_inclusion(1, 7, b, [a, cd, efg], root7)


# ---- an independent reference: the RFC's recursive definitions, word for word -----------------


def ref_mth(leaves: list[bytes]) -> bytes:
    n = len(leaves)
    if n == 0:
        return h(b"")
    if n == 1:
        return leaves[0]
    k = 1
    while k * 2 < n:
        k *= 2
    return N(ref_mth(leaves[:k]), ref_mth(leaves[k:]))


def ref_path(m: int, leaves: list[bytes]) -> list[bytes]:
    n = len(leaves)
    if n == 1:
        return []
    k = 1
    while k * 2 < n:
        k *= 2
    if m < k:
        return [*ref_path(m, leaves[:k]), ref_mth(leaves[k:])]
    return [*ref_path(m - k, leaves[k:]), ref_mth(leaves[:k])]


def ref_subproof(m: int, leaves: list[bytes], whole: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if whole else [ref_mth(leaves)]
    k = 1
    while k * 2 < n:
        k *= 2
    if m <= k:
        return [*ref_subproof(m, leaves[:k], whole), ref_mth(leaves[k:])]
    return [*ref_subproof(m - k, leaves[k:], False), ref_mth(leaves[:k])]


def tree(n: int) -> list[bytes]:
    return [merkle.leaf_hash(i.to_bytes(4, "big")) for i in range(n)]


@settings(max_examples=200, deadline=None)
@given(n=st.integers(min_value=0, max_value=70))
def test_the_root_matches_the_recursive_definition_for_every_size(n):
    assert merkle.root(tree(n)) == ref_mth(tree(n))


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_every_inclusion_proof_matches_the_definition_and_verifies(data):
    n = data.draw(st.integers(min_value=1, max_value=70))
    m = data.draw(st.integers(min_value=0, max_value=n - 1))
    leaves = tree(n)
    proof = merkle.inclusion_proof(m, leaves)
    assert proof == ref_path(m, leaves)
    top = merkle.root(leaves)
    assert merkle.verify_inclusion(m, n, leaves[m], proof, top)
    # Any other leaf, index, size, root or a changed step fails.
    assert not merkle.verify_inclusion(m, n, merkle.leaf_hash(b"other"), proof, top)
    assert not merkle.verify_inclusion(m, n, leaves[m], proof, merkle.leaf_hash(b"other root"))
    if n > 1:
        assert not merkle.verify_inclusion((m + 1) % n, n, leaves[m], proof, top)
        broken = list(proof)
        i = data.draw(st.integers(min_value=0, max_value=len(broken) - 1))
        broken[i] = h(broken[i])
        assert not merkle.verify_inclusion(m, n, leaves[m], broken, top)
        assert not merkle.verify_inclusion(m, n, leaves[m], proof[:-1], top)


@settings(max_examples=400, deadline=None)
@given(data=st.data())
def test_every_consistency_proof_matches_the_definition_and_verifies(data):
    n = data.draw(st.integers(min_value=1, max_value=70))
    m = data.draw(st.integers(min_value=1, max_value=n))
    leaves = tree(n)
    proof = merkle.consistency_proof(m, leaves)
    assert proof == (ref_subproof(m, leaves, True) if m < n else [])
    old, new = merkle.root(leaves[:m]), merkle.root(leaves)
    assert merkle.verify_consistency(m, n, old, new, proof)
    if m < n:
        # A rewritten old leaf changes the old root: the same new tree no longer extends it.
        forged = list(leaves)
        forged[data.draw(st.integers(min_value=0, max_value=m - 1))] = merkle.leaf_hash(b"rewritten")
        assert not merkle.verify_consistency(m, n, merkle.root(forged[:m]), new, proof)
        assert not merkle.verify_consistency(m, n, old, merkle.root(forged), proof)
        broken = list(proof)
        i = data.draw(st.integers(min_value=0, max_value=len(broken) - 1))
        broken[i] = h(broken[i])
        assert not merkle.verify_consistency(m, n, old, new, broken)
        assert not merkle.verify_consistency(m, n, old, new, [])
        assert not merkle.verify_consistency(n, m, new, old, proof)  # sizes swapped: a truncation


@pytest.mark.parametrize("n", range(1, 71))
def test_all_pairs_of_sizes_up_to_seventy_are_consistent(n):
    leaves = tree(n)
    new = merkle.root(leaves)
    for m in range(0, n + 1):
        assert merkle.verify_consistency(m, n, merkle.root(leaves[:m]), new, merkle.consistency_proof(m, leaves))
    for m in range(n):
        assert merkle.verify_inclusion(m, n, leaves[m], merkle.inclusion_proof(m, leaves), new)
