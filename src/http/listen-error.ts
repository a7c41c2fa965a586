/** The HTTP port could not be opened (in use, not permitted). */
export class ListenError extends Error {
  constructor(host: string, port: number, cause: unknown) {
    const code = (cause as { code?: string }).code;
    super(
      `cannot listen on ${host}:${port}${code === 'EADDRINUSE' ? ': the port is in use (set PORT to another)' : `: ${String(cause)}`}`,
    );
  }
}
