/**
 * HTML escaping for the fragments verity writes back to Salesforce (`Features_List_HTML`,
 * `Additional_Attributes_HTML`).
 */

const REPLACEMENTS: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
};

/**
 * Escapes `&`, `<`, `>` and `"`, which makes a string safe as element text and as a double-quoted
 * attribute value, the only kind of attribute verity writes. The apostrophe is left alone so that
 * product copy ("True's remote") reads naturally in the Salesforce field.
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (character) => REPLACEMENTS[character] ?? character);
}
