// Finds the shortest path length in an unweighted graph.
export interface Graph {
  neighbours(node: string): string[];
}

type Distances = Map<string, number>;

export function shortestPath(graph: Graph, start: string, goal: string): number {
  const distances: Distances = new Map([[start, 0]]);
  const queue: string[] = [start];
  while (queue.length > 0) {
    const current = queue.shift() as string;
    if (current === goal) {
      return distances.get(current) ?? -1;
    }
    for (const next of graph.neighbours(current)) {
      if (!distances.has(next)) {
        distances.set(next, (distances.get(current) ?? 0) + 1);
        queue.push(next);
      }
    }
  }
  return -1;
}

export class AdjacencyGraph implements Graph {
  private readonly edges = new Map<string, string[]>();

  addEdge(from: string, to: string): void {
    this.edges.set(from, [...this.neighbours(from), to]);
  }

  neighbours(node: string): string[] {
    return this.edges.get(node) ?? [];
  }
}
