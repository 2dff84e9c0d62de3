// Retained messages indexed by topic level (a trie), for aedes's in-memory persistence: a
// SUBSCRIBE finds its retained messages by walking the filter's levels instead of testing every
// retained topic against it (aedes-persistence 11 does the latter, so N devices subscribing with
// N retained states cost N² matches). Wildcards as aedes-persistence's qlobber reads them, so
// that retained and live deliveries of one broker agree: separator "/", "+" exactly one non-empty
// level (MQTT would let it match an empty one; MQTT2GO topics have none), "#" zero or more levels.

interface Level<P> { children: Map<string, Level<P>>; packet: P | undefined }

const level = <P>(): Level<P> => ({ children: new Map(), packet: undefined });

export class RetainedIndex<P> {
  readonly #root: Level<P> = level();
  #size = 0;
  /** Trie levels visited by match() so far (what a SUBSCRIBE costs; tests read it). */
  visited = 0;

  get size(): number {
    return this.#size;
  }

  set(topic: string, packet: P): void {
    let at = this.#root;
    for (const word of topic.split("/")) {
      let next = at.children.get(word);
      if (!next) { next = level(); at.children.set(word, next); }
      at = next;
    }
    if (at.packet === undefined) this.#size++;
    at.packet = packet;
  }

  delete(topic: string): void {
    const words = topic.split("/");
    const path: Level<P>[] = [this.#root];
    for (const word of words) {
      const next = path[path.length - 1].children.get(word);
      if (!next) return;
      path.push(next);
    }
    const leaf = path[path.length - 1];
    if (leaf.packet === undefined) return;
    leaf.packet = undefined;
    this.#size--;
    // Prune levels left empty, so a deleted device leaves nothing behind.
    for (let i = words.length; i > 0; i--) {
      const node = path[i];
      if (node.packet !== undefined || node.children.size > 0) break;
      path[i - 1].children.delete(words[i - 1]);
    }
  }

  /** The retained packets whose topic the filter matches, each once. */
  *match(filter: string): Generator<P> {
    const words = filter.split("/");
    if (words.indexOf("#") === -1 || words.indexOf("#") === words.length - 1) {
      yield* this.#walk(this.#root, words, 0);
      return;
    }
    // A "#" before more levels reaches a topic along several paths.
    yield* new Set(this.#walk(this.#root, words, 0));
  }

  *#walk(at: Level<P>, words: readonly string[], i: number): Generator<P> {
    this.visited++;
    if (i === words.length) {
      if (at.packet !== undefined) yield at.packet;
      return;
    }
    const word = words[i];
    if (word === "#") {
      if (i === words.length - 1) { yield* this.#subtree(at); return; }
      // "#" before more levels (not a valid MQTT filter; qlobber reads it as zero or more levels).
      yield* this.#walk(at, words, i + 1);
      for (const child of at.children.values()) yield* this.#hashThen(child, words, i);
      return;
    }
    if (word === "+") {
      for (const [w, child] of at.children) if (w !== "") yield* this.#walk(child, words, i + 1);
      return;
    }
    const next = at.children.get(word);
    if (next) yield* this.#walk(next, words, i + 1);
  }

  /** Below a "#" that is not the filter's last level: it has eaten this level, and may eat more. */
  *#hashThen(at: Level<P>, words: readonly string[], hash: number): Generator<P> {
    yield* this.#walk(at, words, hash + 1);
    for (const child of at.children.values()) yield* this.#hashThen(child, words, hash);
  }

  *#subtree(at: Level<P>): Generator<P> {
    const stack = [at];
    while (stack.length) {
      const node = stack.pop()!;
      this.visited++;
      if (node.packet !== undefined) yield node.packet;
      for (const child of node.children.values()) stack.push(child);
    }
  }
}
