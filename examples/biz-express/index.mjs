// An ordinary Express 5 app. Nothing here knows about nodeark: the same file runs on its own with
// `http.createServer(app).listen(3000)`. As a module it is served under /express/ on the base's port.
import express from 'express';

const app = express();
const todos = [{ id: 1, title: 'move this service into a base', done: true }];

app.use(express.json());

app.get('/', (_req, res) => res.redirect('/todos')); // the client is sent to /express/todos
app.get('/todos', (_req, res) => res.json(todos));
app.post('/todos', (req, res) => {
  if (typeof req.body?.title !== 'string') return res.status(400).json({ error: 'title (string) is required' });
  const todo = { id: todos.length + 1, title: req.body.title, done: false };
  todos.push(todo);
  res.status(201).location(`/todos/${todo.id}`).json(todo);
});
app.get('/todos/:id', (req, res) => {
  const todo = todos.find((t) => t.id === Number(req.params.id));
  if (!todo) return res.status(404).json({ error: 'no such todo' });
  res.json(todo);
});
// A live stream: one line per second for five seconds (curl -N shows them as they come).
app.get('/clock', (req, res) => {
  res.type('text/plain').flushHeaders();
  let n = 0;
  const timer = setInterval(() => {
    res.write(`${new Date().toISOString()}\n`);
    if (++n === 5) {
      clearInterval(timer);
      res.end();
    }
  }, 1000);
  req.on('close', () => clearInterval(timer));
});

export default app;
