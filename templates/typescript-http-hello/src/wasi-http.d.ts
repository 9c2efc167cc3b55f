// The parts of wasi:http/types@0.2.12 that app.ts uses, as componentize-js presents them.
declare module "wasi:http/types@0.2.12" {
  export type Result<T, E> = { tag: "ok"; val: T } | { tag: "err"; val: E };

  export class Fields {
    static fromList(entries: Array<[string, Uint8Array]>): Fields;
  }

  export class IncomingRequest {
    pathWithQuery(): string | undefined;
  }

  export class OutputStream {
    blockingWriteAndFlush(contents: Uint8Array): void;
    [Symbol.dispose](): void;
  }

  export class OutgoingBody {
    write(): OutputStream;
    static finish(body: OutgoingBody, trailers: Fields | undefined): void;
  }

  export class OutgoingResponse {
    constructor(headers: Fields);
    body(): OutgoingBody;
  }

  export class ResponseOutparam {
    static set(param: ResponseOutparam, response: Result<OutgoingResponse, unknown>): void;
  }
}
