export default { fetch: () => new Response('hello from greeter 1.0.0\n') };
