package codequality

import "testing"

const benchFizzBuzz = `from typing import List


def fizz_buzz(n: int) -> List[str]:
    out = []
    for i in range(1, n + 1):
        if i % 15 == 0:
            out.append("FizzBuzz")
        elif i % 3 == 0:
            out.append("Fizz")
        elif i % 5 == 0:
            out.append("Buzz")
        else:
            out.append(str(i))
    return out
`

// BenchmarkAnalyzePython measures one small final file, as the scoring projection analyses it
// at each submission.
func BenchmarkAnalyzePython(b *testing.B) {
	files := map[string]string{"main.py": benchFizzBuzz}
	for b.Loop() {
		if _, err := Analyze("python", files); err != nil {
			b.Fatal(err)
		}
	}
}
