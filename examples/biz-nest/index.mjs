// A NestJS app as a module. In TypeScript you would write @Controller('greetings') and @Get(); this file is
// plain JavaScript, so the decorators are applied as functions, exactly what TypeScript compiles them to.
// The one difference from a standalone Nest app: `export default app` instead of `app.listen(3000)`;
// nodeark calls `app.init()` and hands the app's http.Server its connections.
import 'reflect-metadata';
import { Controller, Get, Module, NotFoundException, Param, ParseIntPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';

const greetings = ['hello', 'bonjour', 'hola'];

class GreetingsController {
  all() {
    return greetings;
  }

  one(id) {
    if (!(id in greetings)) throw new NotFoundException(`no greeting #${id}`);
    return { id, text: greetings[id] };
  }
}
Controller('greetings')(GreetingsController);
for (const [key, decorate] of [
  ['all', Get()],
  ['one', Get(':id')],
]) {
  const d = Object.getOwnPropertyDescriptor(GreetingsController.prototype, key);
  Object.defineProperty(GreetingsController.prototype, key, decorate(GreetingsController.prototype, key, d) ?? d);
}
Param('id', ParseIntPipe)(GreetingsController.prototype, 'one', 0);

class AppModule {}
Module({ controllers: [GreetingsController] })(AppModule);

const app = await NestFactory.create(AppModule, { logger: ['error', 'warn'] });

export default app; // not app.listen()
