;; SipHash-2-4 (see siphash.ts) of the message at byte 16 of memory, its length in bytes the
;; parameter of hash; the 64-bit output is stored at byte 0. setKey sets the 128-bit key once, as
;; four 32-bit words (k0 low, k0 high, k1 low, k1 high). Assembled into siphash-wasm.ts by
;; packages/codegen/scripts/siphash-wasm.mjs (wabt); siphash-wasm.test.ts checks the two agree.
(module
  (memory (export "memory") 1)
  (global $k0 (mut i64) (i64.const 0))
  (global $k1 (mut i64) (i64.const 0))
  (func (export "setKey") (param $k0lo i32) (param $k0hi i32) (param $k1lo i32) (param $k1hi i32)
    (global.set $k0 (i64.or (i64.extend_i32_u (local.get $k0lo)) (i64.shl (i64.extend_i32_u (local.get $k0hi)) (i64.const 32))))
    (global.set $k1 (i64.or (i64.extend_i32_u (local.get $k1lo)) (i64.shl (i64.extend_i32_u (local.get $k1hi)) (i64.const 32)))))
  (func (export "hash") (param $len i32)
    (local $v0 i64) (local $v1 i64) (local $v2 i64) (local $v3 i64) (local $m i64)
    (local $i i32) (local $end i32) (local $r i32) (local $last i32)
    (local.set $v0 (i64.xor (global.get $k0) (i64.const 0x736f6d6570736575)))
    (local.set $v1 (i64.xor (global.get $k1) (i64.const 0x646f72616e646f6d)))
    (local.set $v2 (i64.xor (global.get $k0) (i64.const 0x6c7967656e657261)))
    (local.set $v3 (i64.xor (global.get $k1) (i64.const 0x7465646279746573)))
    (local.set $i (i32.const 16))
    (local.set $end (i32.add (i32.const 16) (i32.and (local.get $len) (i32.const -8))))
    ;; One pass per 8-byte block, then one for the last block (the 0-7 bytes left, the length's low byte on top).
    (loop $blocks
      (if (i32.lt_u (local.get $i) (local.get $end))
        (then (local.set $m (i64.load (local.get $i))))
        (else
          (local.set $last (i32.const 1))
          (local.set $m
            (i64.or
              (i64.shl (i64.extend_i32_u (local.get $len)) (i64.const 56))
              (i64.and (i64.load (local.get $i))
                (i64.sub (i64.shl (i64.const 1) (i64.extend_i32_u (i32.shl (i32.and (local.get $len) (i32.const 7)) (i32.const 3)))) (i64.const 1)))))))
      (local.set $v3 (i64.xor (local.get $v3) (local.get $m)))
      (local.set $r (i32.const 2))
      (loop $round
        (local.set $v0 (i64.add (local.get $v0) (local.get $v1)))
        (local.set $v1 (i64.xor (i64.rotl (local.get $v1) (i64.const 13)) (local.get $v0)))
        (local.set $v0 (i64.rotl (local.get $v0) (i64.const 32)))
        (local.set $v2 (i64.add (local.get $v2) (local.get $v3)))
        (local.set $v3 (i64.xor (i64.rotl (local.get $v3) (i64.const 16)) (local.get $v2)))
        (local.set $v0 (i64.add (local.get $v0) (local.get $v3)))
        (local.set $v3 (i64.xor (i64.rotl (local.get $v3) (i64.const 21)) (local.get $v0)))
        (local.set $v2 (i64.add (local.get $v2) (local.get $v1)))
        (local.set $v1 (i64.xor (i64.rotl (local.get $v1) (i64.const 17)) (local.get $v2)))
        (local.set $v2 (i64.rotl (local.get $v2) (i64.const 32)))
        (br_if $round (local.tee $r (i32.sub (local.get $r) (i32.const 1)))))
      (local.set $v0 (i64.xor (local.get $v0) (local.get $m)))
      (local.set $i (i32.add (local.get $i) (i32.const 8)))
      (br_if $blocks (i32.eqz (local.get $last))))
    (local.set $v2 (i64.xor (local.get $v2) (i64.const 0xff)))
    (local.set $r (i32.const 4))
    (loop $final
      (local.set $v0 (i64.add (local.get $v0) (local.get $v1)))
      (local.set $v1 (i64.xor (i64.rotl (local.get $v1) (i64.const 13)) (local.get $v0)))
      (local.set $v0 (i64.rotl (local.get $v0) (i64.const 32)))
      (local.set $v2 (i64.add (local.get $v2) (local.get $v3)))
      (local.set $v3 (i64.xor (i64.rotl (local.get $v3) (i64.const 16)) (local.get $v2)))
      (local.set $v0 (i64.add (local.get $v0) (local.get $v3)))
      (local.set $v3 (i64.xor (i64.rotl (local.get $v3) (i64.const 21)) (local.get $v0)))
      (local.set $v2 (i64.add (local.get $v2) (local.get $v1)))
      (local.set $v1 (i64.xor (i64.rotl (local.get $v1) (i64.const 17)) (local.get $v2)))
      (local.set $v2 (i64.rotl (local.get $v2) (i64.const 32)))
      (br_if $final (local.tee $r (i32.sub (local.get $r) (i32.const 1)))))
    (i64.store (i32.const 0) (i64.xor (i64.xor (local.get $v0) (local.get $v1)) (i64.xor (local.get $v2) (local.get $v3))))))
