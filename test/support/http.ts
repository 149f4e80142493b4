/** Minimal JSON-over-HTTP helper for tests: returns status and parsed body, never throws on 4xx. */
export async function http(
  method: string,
  url: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string>; form?: FormData } = {},
): Promise<{ status: number; body: any; headers: Headers; text: string }> {
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: RequestInit['body'];
  if (options.form) body = options.form;
  else if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.body);
  }
  const response = await fetch(url, { method, headers, body });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON (HTML pages)
  }
  return { status: response.status, body: parsed, headers: response.headers, text };
}
