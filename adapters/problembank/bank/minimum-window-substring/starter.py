def min_window(s: str, t: str) -> str:
    # Write your solution here.
    return ""
