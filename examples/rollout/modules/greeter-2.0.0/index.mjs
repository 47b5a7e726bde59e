export default { fetch: () => new Response('hello from greeter 2.0.0\n') };
