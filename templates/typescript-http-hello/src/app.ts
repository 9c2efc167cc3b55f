// {{project-name}}: answers every HTTP request with a greeting over wasi:http.
import {
  Fields,
  IncomingRequest,
  OutgoingBody,
  OutgoingResponse,
  ResponseOutparam,
} from "wasi:http/types@0.2.12";

const encoder = new TextEncoder();

/** The export weft calls for every request. */
export const incomingHandler = {
  handle(request: IncomingRequest, responseOut: ResponseOutparam): void {
    const path = request.pathWithQuery() ?? "/";
    const greeting = `Hello from {{project-name}} in TypeScript! You asked for ${path}\n`;

    const headers = Fields.fromList([["content-type", encoder.encode("text/plain; charset=utf-8")]]);
    const response = new OutgoingResponse(headers);
    const body = response.body();
    ResponseOutparam.set(responseOut, { tag: "ok", val: response });
    const stream = body.write();
    stream.blockingWriteAndFlush(encoder.encode(greeting));
    stream[Symbol.dispose]();
    OutgoingBody.finish(body, undefined);
  },
};
