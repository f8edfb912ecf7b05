// The one entry script of a shard: every stream of the plan as a k6 scenario in one process,
// so one execution segment splits all of them and one summary witnesses the whole shard.
import { k6Options } from './options.ts';
import { readShape } from './load-shape-env.ts';

export const options = k6Options(readShape());

export { httpRequest } from './http.ts';
export { wsSession } from './ws.ts';
export { grpcEcho } from './grpc.ts';
