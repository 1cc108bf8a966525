def longest_valid_parentheses(s: str) -> int:
    # The stack holds the indices of unmatched '(' above the index just before the
    # current valid run.
    stack = [-1]
    best = 0
    for i, c in enumerate(s):
        if c == "(":
            stack.append(i)
            continue
        stack.pop()
        if stack:
            best = max(best, i - stack[-1])
        else:
            stack.append(i)
    return best
