// A counter plugin in AssemblyScript. Messages: an integer adds to the count; "get" reads
// it; "reset" sets it to 0. Every message that comes as an ask is answered with the count.
import { OK, beginOut, done, isInt, readFrom, readInt, readStrIs, replyOut, writeInt } from "@pd/plugin-sdk-as";

export { pd_abi_version_1, pd_alloc } from "@pd/plugin-sdk-as";

let count: i64 = 0;

export function pd_on_message(ptr: usize, len: usize): i32 {
  readFrom(ptr, len);
  if (isInt()) count += readInt();
  else if (readStrIs("reset")) count = 0;
  beginOut();
  writeInt(count);
  replyOut();
  return done(OK);
}
