// Preloaded into Portkey's gateway by bench/chat.ts (node --import). Portkey appends its own
// headers to the upstream's fetch Response, but the Fetch standard makes a fetched response's
// headers immutable, and Node's fetch enforces it: on Node 20 every proxied chat then answers
// HTTP 500 ("TypeError: immutable"). This re-wraps each fetched response with a mutable copy
// of its headers (same status and streaming body), which is what the runtimes Portkey targets
// hand it. It costs one Response and one Headers per request.
const fetchImmutable = globalThis.fetch;
globalThis.fetch = async (...args) => {
  const res = await fetchImmutable(...args);
  return new Response(res.body, { status: res.status, statusText: res.statusText, headers: res.headers });
};
