/**
 * URLs may carry credentials in their userinfo (`scheme://user:password@host`, RFC 3986 §3.2.1,
 * which deprecates the password part). Wherever a URL can reach a log line, an error message or
 * a response, it goes through here first.
 */

// scheme "://" userinfo "@" host: greedy up to the last "@" of the authority (before / ? # or a
// space), as WHATWG URL parsing splits `http://u:p@ss@host` at the last "@". Double quotes,
// backslashes and angle brackets are not userinfo characters (RFC 3986 §3.2.1) and end a URL in JSON,
// so a log line redacted as text stays valid JSON.
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#"\\<>]*@/gi;

/** `text` with the userinfo of every URL in it replaced by `***` (a URL without one is unchanged). */
export function redactUrlCredentials(text: string): string {
  return text.replace(URL_CREDENTIALS, '$1***@');
}

/** True when `url` names a user or a password, as written or as a URL parser reads it (`http:u:p@host`). */
export function hasUrlCredentials(url: string): boolean {
  if (redactUrlCredentials(url) !== url) return true;
  try {
    const parsed = new URL(url);
    return parsed.username !== '' || parsed.password !== '';
  } catch {
    return false;
  }
}
