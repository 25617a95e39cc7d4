import { UsageError } from '../src/errors.ts';

/** Splits command text into words; "double" or 'single' quotes keep spaces. */
export function tokenize(text: string): string[] {
  const words: string[] = [];
  let current = '';
  let quote: string | null = null;
  let inWord = false;
  // Chat apps turn straight quotes into curly ones; accept both.
  for (const char of text.replace(/[“”]/g, '"').replace(/[‘’]/g, "'")) {
    if (quote) {
      if (char === quote) quote = null;
      else current += char;
    } else if (char === '"' || char === "'") {
      quote = char;
      inWord = true;
    } else if (/\s/.test(char)) {
      if (inWord) words.push(current);
      current = '';
      inWord = false;
    } else {
      current += char;
      inWord = true;
    }
  }
  if (quote) throw new UsageError(`A ${quote} quote is not closed: close it or leave the quotes out.`);
  if (inWord) words.push(current);
  return words;
}
