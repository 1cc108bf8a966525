def total_n_queens(n: int) -> int:
    # Write your solution here.
    return 0
