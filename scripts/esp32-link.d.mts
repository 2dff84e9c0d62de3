export function linkerReport(text: string): { undefinedSymbols: Map<string, Set<string>>; errors: string[] };
export function classify(symbols: Iterable<string>, blobSymbols: Set<string>): { blob: string[]; other: string[] };
export function parseSymbolList(text: string): Set<string>;
export function standInArchives(archives: string[], ar: string): string[];
export function relinkWithout(o: { command: string; cwd: string; elf: string; output: string; standIns: string[]; ar: string }): { status: number | null; text: string };
