"""Near-duplicate posts without a tokenizer: character shingles, MinHash, LSH band keys."""

from __future__ import annotations

import hashlib
from functools import lru_cache

from datasketch import MinHash

from playbook.text.normalize import for_similarity

SHINGLE = 3  # characters per shingle: short enough for Korean words that inflect
MAX_CHARS = 5_000  # normalised characters compared; copies of a rumour differ long before
_RAW_CHARS = 50_000  # raw characters normalised to get them (links and emoji shrink a post)
_SEED = 20_101_122  # fixed, so signatures from any process and any day compare
_SCHEME = "affine32"  # named, so a datasketch default change cannot alter stored signatures
_EMPTY = (1 << 32) - 1  # every slot of a MinHash that saw nothing


def shingles(text: str, n: int = SHINGLE) -> set[str]:
    """The post's words as overlapping n-character pieces; a shorter post is one piece."""
    words = for_similarity(text[:_RAW_CHARS])[:MAX_CHARS]
    if len(words) <= n:
        return {words} if words else set()
    return {words[i : i + n] for i in range(len(words) - n + 1)}


def signature(text: str, num_perm: int = 64) -> tuple[int, ...]:
    """A MinHash signature of the post's shingles: deterministic, JSON-friendly integers.

    A post with no words (emoji, numbers, links only) gets an empty signature, which is
    similar to nothing.
    """
    pieces = shingles(text)
    if not pieces:
        return (_EMPTY,) * num_perm
    minhash = MinHash(num_perm=num_perm, seed=_SEED, scheme=_SCHEME, permutations=_perms(num_perm))
    minhash.update_batch([piece.encode("utf-8") for piece in pieces])
    return tuple(int(value) for value in minhash.hashvalues)


def similarity(sig_a: tuple[int, ...], sig_b: tuple[int, ...]) -> float:
    """Estimated Jaccard similarity of the two posts' shingles, 0.0 to 1.0."""
    if len(sig_a) != len(sig_b):
        raise ValueError(f"signatures differ in length: {len(sig_a)} and {len(sig_b)}")
    if not sig_a or _is_empty(sig_a) or _is_empty(sig_b):
        return 0.0
    return sum(a == b for a, b in zip(sig_a, sig_b, strict=True)) / len(sig_a)


def band_keys(sig: tuple[int, ...], bands: int = 16) -> list[str]:
    """One short key per LSH band, for finding candidate near-duplicates by an indexed lookup.

    Two posts are candidates when they share a key. With 64 values in 16 bands of 4, posts
    of Jaccard 0.5 share one with probability 0.64, 0.6 with 0.89, 0.7 with 0.99, 0.3 with
    0.12; more bands (fewer rows each) find more at the cost of more false candidates.
    An empty signature has no keys.
    """
    if bands < 1 or len(sig) % bands:
        raise ValueError(f"{len(sig)} values cannot be split into {bands} equal bands")
    if _is_empty(sig):
        return []
    rows = len(sig) // bands
    return [_band_key(band, sig[band * rows : (band + 1) * rows]) for band in range(bands)]


def _band_key(band: int, values: tuple[int, ...]) -> str:
    data = b"".join(value.to_bytes(8, "big") for value in values)
    digest = hashlib.blake2b(data, digest_size=8, person=b"playbook-lsh").hexdigest()
    return f"{band:02d}:{digest}"


def _is_empty(sig: tuple[int, ...]) -> bool:
    return all(value == _EMPTY for value in sig)


@lru_cache(maxsize=4)
def _perms(num_perm: int) -> object:
    """The permutations of a seeded MinHash, drawn once per size."""
    return MinHash(num_perm=num_perm, seed=_SEED, scheme=_SCHEME).permutations
