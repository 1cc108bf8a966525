from typing import List


def find_median_sorted_arrays(nums1: List[int], nums2: List[int]) -> float:
    # Binary search for the split of the shorter array that, with the matching split of
    # the longer one, puts the smaller half of all elements on the left.
    a, b = (nums1, nums2) if len(nums1) <= len(nums2) else (nums2, nums1)
    m, n = len(a), len(b)
    half = (m + n + 1) // 2
    lo, hi = 0, m
    while True:
        i = (lo + hi) // 2
        j = half - i
        a_left = a[i - 1] if i > 0 else float("-inf")
        a_right = a[i] if i < m else float("inf")
        b_left = b[j - 1] if j > 0 else float("-inf")
        b_right = b[j] if j < n else float("inf")
        if a_left > b_right:
            hi = i - 1
        elif b_left > a_right:
            lo = i + 1
        else:
            left = max(a_left, b_left)
            if (m + n) % 2 == 1:
                return float(left)
            return (left + min(a_right, b_right)) / 2
