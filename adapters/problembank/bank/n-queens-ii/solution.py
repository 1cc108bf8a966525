def total_n_queens(n: int) -> int:
    full = (1 << n) - 1

    # Row by row; the masks are the columns and diagonals attacked in the current row.
    def place(cols: int, down_left: int, down_right: int) -> int:
        if cols == full:
            return 1
        count = 0
        free = full & ~(cols | down_left | down_right)
        while free:
            bit = free & -free
            free ^= bit
            count += place(cols | bit, ((down_left | bit) << 1) & full, (down_right | bit) >> 1)
        return count

    return place(0, 0, 0)
