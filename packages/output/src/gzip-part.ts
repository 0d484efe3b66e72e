import type { ByteFile, FileStore } from './file-store.js';
import { gzipMember } from './gzip-member.js';
import { sliceLines, type PartResume, type PartWriter } from './part-writer.js';

/**
 * A CSV or JSONL file written gzip-compressed, one gzip member per `memberRows` records (and
 * one for the rest): member boundaries depend only on record numbers, so a resumed run writes
 * the same bytes as one that never stopped. The member being filled is held in
 * memory; in a resumable run it is also kept, uncompressed, in a scratch part file named after
 * the member's offset (`<name>.m<offset>`), which is what a resume reads it back from. The file
 * itself only ever grows by whole members, so its offset at a commit point is a member boundary.
 */
export async function openGzipPart(store: FileStore, name: string, header: string, memberRows: number, resume?: PartResume): Promise<PartWriter> {
  const file = await store.open(name, resume ? resume.position[''] ?? 0 : undefined);
  let member: string[] = [];
  let filled = 0;
  let scratch: { file: ByteFile; name: string } | undefined;
  /** Chunks of `member` already in `scratch`. */
  let kept = 0;
  /** Scratch files of members since compressed; removed once a later commit point is recorded. */
  let stale: string[] = [];
  const scratchName = () => `${name}.m${file.bytes}`;

  if (resume && (resume.position.member ?? 0) > 0) {
    scratch = { name: scratchName(), file: await store.open(scratchName(), resume.position.member) };
    const chunks: Buffer[] = [];
    for await (const c of scratch.file.read()) chunks.push(Buffer.from(c));
    member = [Buffer.concat(chunks).toString('utf8')];
    kept = 1;
    filled = resume.rows % memberRows;
  } else if (file.bytes === 0 && header) member = [header];

  const compress = async () => {
    await file.append(await gzipMember(member.join('')));
    if (scratch) {
      await scratch.file.discard();
      stale.push(scratch.name);
    }
    member = [];
    filled = 0;
    scratch = undefined;
    kept = 0;
  };

  return {
    async append(lines, from, to) {
      // The caller recorded a commit point after the previous append: scratch files of members
      // compressed before it are no longer what a resume would read.
      for (const s of stale) await store.remove(s);
      stale = [];
      for (let k = from; k < to; ) {
        const take = Math.min(to - k, memberRows - filled);
        member.push(sliceLines(lines, k, k + take));
        filled += take;
        k += take;
        if (filled === memberRows) await compress();
      }
      if (!store.resumable || kept === member.length) return;
      scratch ??= { name: scratchName(), file: await store.open(scratchName()) };
      for (; kept < member.length; kept++) await scratch.file.append(member[kept]!);
    },
    position: () => ({ '': file.bytes, member: scratch?.file.bytes ?? 0 }),
    async commit() {
      // The last member holds the rest; a file with no record at all still gets one (empty) member.
      if (member.length || file.bytes === 0) await compress();
      return file.commit();
    },
    async discard() {
      await scratch?.file.discard();
      await file.discard();
    },
  };
}
