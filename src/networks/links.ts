/** The first http(s) link in a text, without trailing punctuation; undefined when there is none. */
export function firstUrl(text: string): string | undefined {
  const m = /https?:\/\/[^\s<>"]+/i.exec(text);
  return m ? m[0].replace(/[.,;:!?)\]'"]+$/, '') : undefined;
}
