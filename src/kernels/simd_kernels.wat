;; SIMD kernels that run inside the TensorFlow.js wasm backend's own heap (the memory is
;; imported), so they read and write tensors in place. All pointers and strides are in bytes.
;; The matrix product multiplies and adds with f32x4.relaxed_madd (relaxed SIMD): a fused
;; multiply-add where the CPU has one (1.25x faster here), mul then add where it does not.
;; Build: `deno run -A src/kernels/build_simd_kernels.ts` (writes simd_kernels_wasm.ts).
(module
  (import "env" "memory" (memory 1))

  ;; C[4 x 8] (+)= opA[4 x kc] @ B[kc x 8]. Row r of opA starts at a + r * ars, its columns are
  ;; acs apart (so a transposed A is just ars = 4, acs = row bytes). `fresh` = 1: C is not read.
  (func $k4x8 (param $a i32) (param $ars i32) (param $acs i32) (param $b i32) (param $ldb i32)
    (param $c i32) (param $ldc i32) (param $kc i32) (param $fresh i32)
    (local $a1 i32) (local $a2 i32) (local $a3 i32)
    (local $c1 i32) (local $c2 i32) (local $c3 i32)
    (local $x00 v128) (local $x01 v128) (local $x10 v128) (local $x11 v128)
    (local $x20 v128) (local $x21 v128) (local $x30 v128) (local $x31 v128)
    (local $b0 v128) (local $b1 v128) (local $v v128)
    (local.set $a1 (i32.add (local.get $a) (local.get $ars)))
    (local.set $a2 (i32.add (local.get $a1) (local.get $ars)))
    (local.set $a3 (i32.add (local.get $a2) (local.get $ars)))
    (local.set $c1 (i32.add (local.get $c) (local.get $ldc)))
    (local.set $c2 (i32.add (local.get $c1) (local.get $ldc)))
    (local.set $c3 (i32.add (local.get $c2) (local.get $ldc)))
    (if (i32.eqz (local.get $fresh))
      (then
        (local.set $x00 (v128.load (local.get $c)))
        (local.set $x01 (v128.load offset=16 (local.get $c)))
        (local.set $x10 (v128.load (local.get $c1)))
        (local.set $x11 (v128.load offset=16 (local.get $c1)))
        (local.set $x20 (v128.load (local.get $c2)))
        (local.set $x21 (v128.load offset=16 (local.get $c2)))
        (local.set $x30 (v128.load (local.get $c3)))
        (local.set $x31 (v128.load offset=16 (local.get $c3)))))
    (if (i32.gt_s (local.get $kc) (i32.const 0))
      (then
        (loop $p
          (local.set $b0 (v128.load (local.get $b)))
          (local.set $b1 (v128.load offset=16 (local.get $b)))
          (local.set $v (v128.load32_splat (local.get $a)))
          (local.set $x00 (f32x4.relaxed_madd (local.get $v) (local.get $b0) (local.get $x00)))
          (local.set $x01 (f32x4.relaxed_madd (local.get $v) (local.get $b1) (local.get $x01)))
          (local.set $v (v128.load32_splat (local.get $a1)))
          (local.set $x10 (f32x4.relaxed_madd (local.get $v) (local.get $b0) (local.get $x10)))
          (local.set $x11 (f32x4.relaxed_madd (local.get $v) (local.get $b1) (local.get $x11)))
          (local.set $v (v128.load32_splat (local.get $a2)))
          (local.set $x20 (f32x4.relaxed_madd (local.get $v) (local.get $b0) (local.get $x20)))
          (local.set $x21 (f32x4.relaxed_madd (local.get $v) (local.get $b1) (local.get $x21)))
          (local.set $v (v128.load32_splat (local.get $a3)))
          (local.set $x30 (f32x4.relaxed_madd (local.get $v) (local.get $b0) (local.get $x30)))
          (local.set $x31 (f32x4.relaxed_madd (local.get $v) (local.get $b1) (local.get $x31)))
          (local.set $a (i32.add (local.get $a) (local.get $acs)))
          (local.set $a1 (i32.add (local.get $a1) (local.get $acs)))
          (local.set $a2 (i32.add (local.get $a2) (local.get $acs)))
          (local.set $a3 (i32.add (local.get $a3) (local.get $acs)))
          (local.set $b (i32.add (local.get $b) (local.get $ldb)))
          (br_if $p (local.tee $kc (i32.sub (local.get $kc) (i32.const 1)))))))
    (v128.store (local.get $c) (local.get $x00))
    (v128.store offset=16 (local.get $c) (local.get $x01))
    (v128.store (local.get $c1) (local.get $x10))
    (v128.store offset=16 (local.get $c1) (local.get $x11))
    (v128.store (local.get $c2) (local.get $x20))
    (v128.store offset=16 (local.get $c2) (local.get $x21))
    (v128.store (local.get $c3) (local.get $x30))
    (v128.store offset=16 (local.get $c3) (local.get $x31)))

  ;; C[1 x 8] (+)= opA[1 x kc] @ B[kc x 8].
  (func $k1x8 (param $a i32) (param $acs i32) (param $b i32) (param $ldb i32) (param $c i32)
    (param $kc i32) (param $fresh i32)
    (local $x0 v128) (local $x1 v128) (local $v v128)
    (if (i32.eqz (local.get $fresh))
      (then
        (local.set $x0 (v128.load (local.get $c)))
        (local.set $x1 (v128.load offset=16 (local.get $c)))))
    (if (i32.gt_s (local.get $kc) (i32.const 0))
      (then
        (loop $p
          (local.set $v (v128.load32_splat (local.get $a)))
          (local.set $x0 (f32x4.relaxed_madd (local.get $v) (v128.load (local.get $b)) (local.get $x0)))
          (local.set $x1
            (f32x4.relaxed_madd (local.get $v) (v128.load offset=16 (local.get $b)) (local.get $x1)))
          (local.set $a (i32.add (local.get $a) (local.get $acs)))
          (local.set $b (i32.add (local.get $b) (local.get $ldb)))
          (br_if $p (local.tee $kc (i32.sub (local.get $kc) (i32.const 1)))))))
    (v128.store (local.get $c) (local.get $x0))
    (v128.store offset=16 (local.get $c) (local.get $x1)))

  ;; C[4 x 1] (+)= opA[4 x kc] @ B[kc x 1], for the columns left over from blocks of 8.
  (func $k4x1 (param $a i32) (param $ars i32) (param $acs i32) (param $b i32) (param $ldb i32)
    (param $c i32) (param $ldc i32) (param $kc i32) (param $fresh i32)
    (local $x v128) (local $a1 i32) (local $a2 i32) (local $a3 i32)
    (local.set $a1 (i32.add (local.get $a) (local.get $ars)))
    (local.set $a2 (i32.add (local.get $a1) (local.get $ars)))
    (local.set $a3 (i32.add (local.get $a2) (local.get $ars)))
    (if (i32.eqz (local.get $fresh))
      (then
        (local.set $x (f32x4.replace_lane 0 (local.get $x) (f32.load (local.get $c))))
        (local.set $x (f32x4.replace_lane 1 (local.get $x)
          (f32.load (i32.add (local.get $c) (local.get $ldc)))))
        (local.set $x (f32x4.replace_lane 2 (local.get $x)
          (f32.load (i32.add (local.get $c) (i32.shl (local.get $ldc) (i32.const 1))))))
        (local.set $x (f32x4.replace_lane 3 (local.get $x)
          (f32.load (i32.add (local.get $c) (i32.mul (local.get $ldc) (i32.const 3))))))))
    (if (i32.gt_s (local.get $kc) (i32.const 0))
      (then
        (loop $p
          (local.set $x (f32x4.add (local.get $x)
            (f32x4.mul (v128.load32_splat (local.get $b))
              (f32x4.replace_lane 3
                (f32x4.replace_lane 2
                  (f32x4.replace_lane 1
                    (v128.load32_splat (local.get $a))
                    (f32.load (local.get $a1)))
                  (f32.load (local.get $a2)))
                (f32.load (local.get $a3))))))
          (local.set $a (i32.add (local.get $a) (local.get $acs)))
          (local.set $a1 (i32.add (local.get $a1) (local.get $acs)))
          (local.set $a2 (i32.add (local.get $a2) (local.get $acs)))
          (local.set $a3 (i32.add (local.get $a3) (local.get $acs)))
          (local.set $b (i32.add (local.get $b) (local.get $ldb)))
          (br_if $p (local.tee $kc (i32.sub (local.get $kc) (i32.const 1)))))))
    (f32.store (local.get $c) (f32x4.extract_lane 0 (local.get $x)))
    (f32.store (i32.add (local.get $c) (local.get $ldc)) (f32x4.extract_lane 1 (local.get $x)))
    (f32.store (i32.add (local.get $c) (i32.shl (local.get $ldc) (i32.const 1)))
      (f32x4.extract_lane 2 (local.get $x)))
    (f32.store (i32.add (local.get $c) (i32.mul (local.get $ldc) (i32.const 3)))
      (f32x4.extract_lane 3 (local.get $x))))

  ;; C[1 x 1] (+)= opA[1 x kc] @ B[kc x 1].
  (func $k1x1 (param $a i32) (param $acs i32) (param $b i32) (param $ldb i32) (param $c i32)
    (param $kc i32) (param $fresh i32)
    (local $x f32)
    (if (i32.eqz (local.get $fresh)) (then (local.set $x (f32.load (local.get $c)))))
    (if (i32.gt_s (local.get $kc) (i32.const 0))
      (then
        (loop $p
          (local.set $x (f32.add (local.get $x)
            (f32.mul (f32.load (local.get $a)) (f32.load (local.get $b)))))
          (local.set $a (i32.add (local.get $a) (local.get $acs)))
          (local.set $b (i32.add (local.get $b) (local.get $ldb)))
          (br_if $p (local.tee $kc (i32.sub (local.get $kc) (i32.const 1)))))))
    (f32.store (local.get $c) (local.get $x)))

  ;; C[m x n] = opA[m x k] @ B[k x n] (+ C when accumulate = 1). opA(i, p) is at
  ;; a + i * ars + p * acs; B and C are row-major with row strides ldb and ldc (bytes).
  ;; The shared dimension is walked in blocks of 512 so both panels stay in cache.
  (func (export "gemm") (param $m i32) (param $n i32) (param $k i32)
    (param $a i32) (param $ars i32) (param $acs i32) (param $b i32) (param $ldb i32)
    (param $c i32) (param $ldc i32) (param $accumulate i32)
    (local $p0 i32) (local $kc i32) (local $fresh i32) (local $i i32) (local $j i32)
    (local $ap i32) (local $bp i32) (local $m4 i32) (local $n8 i32)
    (local.set $m4 (i32.and (local.get $m) (i32.const -4)))
    (local.set $n8 (i32.and (local.get $n) (i32.const -8)))
    (if (i32.eqz (local.get $k))
      (then
        (if (i32.eqz (local.get $accumulate))
          (then
            (local.set $i (i32.const 0))
            (block $done
              (loop $rows
                (br_if $done (i32.ge_s (local.get $i) (local.get $m)))
                (memory.fill (i32.add (local.get $c) (i32.mul (local.get $i) (local.get $ldc)))
                  (i32.const 0) (i32.shl (local.get $n) (i32.const 2)))
                (local.set $i (i32.add (local.get $i) (i32.const 1)))
                (br $rows)))))
        (return)))
    (local.set $p0 (i32.const 0))
    (loop $blocks
      (local.set $kc (i32.sub (local.get $k) (local.get $p0)))
      (if (i32.gt_s (local.get $kc) (i32.const 512)) (then (local.set $kc (i32.const 512))))
      (local.set $fresh (i32.and (i32.eqz (local.get $p0)) (i32.eqz (local.get $accumulate))))
      (local.set $ap (i32.add (local.get $a) (i32.mul (local.get $p0) (local.get $acs))))
      (local.set $bp (i32.add (local.get $b) (i32.mul (local.get $p0) (local.get $ldb))))
      ;; columns in blocks of 8
      (local.set $j (i32.const 0))
      (block $jdone
        (loop $jloop
          (br_if $jdone (i32.ge_s (local.get $j) (local.get $n8)))
          (local.set $i (i32.const 0))
          (block $idone
            (loop $iloop
              (br_if $idone (i32.ge_s (local.get $i) (local.get $m4)))
              (call $k4x8
                (i32.add (local.get $ap) (i32.mul (local.get $i) (local.get $ars)))
                (local.get $ars) (local.get $acs)
                (i32.add (local.get $bp) (i32.shl (local.get $j) (i32.const 2)))
                (local.get $ldb)
                (i32.add (i32.add (local.get $c) (i32.mul (local.get $i) (local.get $ldc)))
                  (i32.shl (local.get $j) (i32.const 2)))
                (local.get $ldc) (local.get $kc) (local.get $fresh))
              (local.set $i (i32.add (local.get $i) (i32.const 4)))
              (br $iloop)))
          (block $rdone
            (loop $rloop
              (br_if $rdone (i32.ge_s (local.get $i) (local.get $m)))
              (call $k1x8
                (i32.add (local.get $ap) (i32.mul (local.get $i) (local.get $ars)))
                (local.get $acs)
                (i32.add (local.get $bp) (i32.shl (local.get $j) (i32.const 2)))
                (local.get $ldb)
                (i32.add (i32.add (local.get $c) (i32.mul (local.get $i) (local.get $ldc)))
                  (i32.shl (local.get $j) (i32.const 2)))
                (local.get $kc) (local.get $fresh))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br $rloop)))
          (local.set $j (i32.add (local.get $j) (i32.const 8)))
          (br $jloop)))
      ;; the remaining columns one by one
      (block $cdone
        (loop $cloop
          (br_if $cdone (i32.ge_s (local.get $j) (local.get $n)))
          (local.set $i (i32.const 0))
          (block $i4done
            (loop $i4loop
              (br_if $i4done (i32.ge_s (local.get $i) (local.get $m4)))
              (call $k4x1
                (i32.add (local.get $ap) (i32.mul (local.get $i) (local.get $ars)))
                (local.get $ars) (local.get $acs)
                (i32.add (local.get $bp) (i32.shl (local.get $j) (i32.const 2)))
                (local.get $ldb)
                (i32.add (i32.add (local.get $c) (i32.mul (local.get $i) (local.get $ldc)))
                  (i32.shl (local.get $j) (i32.const 2)))
                (local.get $ldc) (local.get $kc) (local.get $fresh))
              (local.set $i (i32.add (local.get $i) (i32.const 4)))
              (br $i4loop)))
          (block $i1done
            (loop $i1loop
              (br_if $i1done (i32.ge_s (local.get $i) (local.get $m)))
              (call $k1x1
                (i32.add (local.get $ap) (i32.mul (local.get $i) (local.get $ars)))
                (local.get $acs)
                (i32.add (local.get $bp) (i32.shl (local.get $j) (i32.const 2)))
                (local.get $ldb)
                (i32.add (i32.add (local.get $c) (i32.mul (local.get $i) (local.get $ldc)))
                  (i32.shl (local.get $j) (i32.const 2)))
                (local.get $kc) (local.get $fresh))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br $i1loop)))
          (local.set $j (i32.add (local.get $j) (i32.const 1)))
          (br $cloop)))
      (local.set $p0 (i32.add (local.get $p0) (local.get $kc)))
      (br_if $blocks (i32.lt_s (local.get $p0) (local.get $k)))))

  ;; Copies `bytes` bytes (a multiple of 4); short runs by hand, long ones with memory.copy.
  (func $copy (param $dst i32) (param $src i32) (param $bytes i32)
    (if (i32.ge_u (local.get $bytes) (i32.const 64))
      (then (memory.copy (local.get $dst) (local.get $src) (local.get $bytes)) (return)))
    (block $done
      (loop $v
        (br_if $done (i32.lt_u (local.get $bytes) (i32.const 16)))
        (v128.store (local.get $dst) (v128.load (local.get $src)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
        (local.set $src (i32.add (local.get $src) (i32.const 16)))
        (local.set $bytes (i32.sub (local.get $bytes) (i32.const 16)))
        (br $v)))
    (block $done1
      (loop $s
        (br_if $done1 (i32.eqz (local.get $bytes)))
        (f32.store (local.get $dst) (f32.load (local.get $src)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
        (local.set $src (i32.add (local.get $src) (i32.const 4)))
        (local.set $bytes (i32.sub (local.get $bytes) (i32.const 4)))
        (br $s))))

  ;; dst[i] += src[i] for `bytes` bytes (a multiple of 4).
  (func $accumulate (param $dst i32) (param $src i32) (param $bytes i32)
    (block $done
      (loop $v
        (br_if $done (i32.lt_u (local.get $bytes) (i32.const 16)))
        (v128.store (local.get $dst)
          (f32x4.add (v128.load (local.get $dst)) (v128.load (local.get $src))))
        (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
        (local.set $src (i32.add (local.get $src) (i32.const 16)))
        (local.set $bytes (i32.sub (local.get $bytes) (i32.const 16)))
        (br $v)))
    (block $done1
      (loop $s
        (br_if $done1 (i32.eqz (local.get $bytes)))
        (f32.store (local.get $dst) (f32.add (f32.load (local.get $dst)) (f32.load (local.get $src))))
        (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
        (local.set $src (i32.add (local.get $src) (i32.const 4)))
        (local.set $bytes (i32.sub (local.get $bytes) (i32.const 4)))
        (br $s))))

  ;; The convolution geometry, written by the caller at `geo` as 16 i32 values:
  ;; first image, image count, inH, inW, inC, outH, outW, filterH, filterW, strideH, strideW,
  ;; dilationH, dilationW, padTop, padLeft, slack. With slack = 1 the caller has left 16 bytes
  ;; free after the patch matrix, so im2col copies a run of up to 16 bytes with one vector
  ;; store that may spill past the run (the next run, or the slack, takes the spill).
  ;; mode 0 (im2col): patches[p, (fh, fw, c)] = x[b, ih, iw, c] or 0 in the padding.
  ;; mode 1 (col2im): x[b, ih, iw, c] += patches[p, (fh, fw, c)] (x zeroed by the caller).
  (func (export "patches") (param $x i32) (param $cols i32) (param $geo i32) (param $mode i32)
    (local $b i32) (local $bEnd i32) (local $inH i32) (local $inW i32) (local $inC i32)
    (local $outH i32) (local $outW i32) (local $fH i32) (local $fW i32)
    (local $sH i32) (local $sW i32) (local $dH i32) (local $dW i32) (local $pT i32) (local $pL i32)
    (local $oh i32) (local $ow i32) (local $fh i32) (local $fw i32) (local $ih i32) (local $iw i32)
    (local $ih0 i32) (local $iw0 i32) (local $image i32) (local $row i32) (local $o i32)
    (local $cBytes i32) (local $runBytes i32) (local $inside i32) (local $rowBytes i32)
    (local $short i32) (local $memEnd i32) (local $src i32)
    (local.set $b (i32.load (local.get $geo)))
    (local.set $bEnd (i32.add (local.get $b) (i32.load offset=4 (local.get $geo))))
    (local.set $inH (i32.load offset=8 (local.get $geo)))
    (local.set $inW (i32.load offset=12 (local.get $geo)))
    (local.set $inC (i32.load offset=16 (local.get $geo)))
    (local.set $outH (i32.load offset=20 (local.get $geo)))
    (local.set $outW (i32.load offset=24 (local.get $geo)))
    (local.set $fH (i32.load offset=28 (local.get $geo)))
    (local.set $fW (i32.load offset=32 (local.get $geo)))
    (local.set $sH (i32.load offset=36 (local.get $geo)))
    (local.set $sW (i32.load offset=40 (local.get $geo)))
    (local.set $dH (i32.load offset=44 (local.get $geo)))
    (local.set $dW (i32.load offset=48 (local.get $geo)))
    (local.set $pT (i32.load offset=52 (local.get $geo)))
    (local.set $pL (i32.load offset=56 (local.get $geo)))
    (local.set $cBytes (i32.shl (local.get $inC) (i32.const 2)))
    (local.set $runBytes (i32.mul (local.get $fW) (local.get $cBytes)))
    (local.set $rowBytes (i32.mul (local.get $inW) (local.get $cBytes)))
    (local.set $short (i32.and (i32.load offset=60 (local.get $geo))
      (i32.and (i32.eqz (local.get $mode)) (i32.le_u (local.get $runBytes) (i32.const 16)))))
    ;; The last address a 16-byte load may start at (wraps correctly for 4 GiB memories).
    (local.set $memEnd (i32.sub (i32.shl (memory.size) (i32.const 16)) (i32.const 16)))
    (local.set $o (local.get $cols))
    (block $bdone
      (loop $bloop
        (br_if $bdone (i32.ge_s (local.get $b) (local.get $bEnd)))
        (local.set $image (i32.add (local.get $x)
          (i32.mul (local.get $b) (i32.mul (local.get $inH) (local.get $rowBytes)))))
        (local.set $oh (i32.const 0))
        (block $ohdone
          (loop $ohloop
            (br_if $ohdone (i32.ge_s (local.get $oh) (local.get $outH)))
            (local.set $ih0 (i32.sub (i32.mul (local.get $oh) (local.get $sH)) (local.get $pT)))
            (local.set $ow (i32.const 0))
            (block $owdone
              (loop $owloop
                (br_if $owdone (i32.ge_s (local.get $ow) (local.get $outW)))
                (local.set $iw0 (i32.sub (i32.mul (local.get $ow) (local.get $sW)) (local.get $pL)))
                (local.set $inside (i32.and
                  (i32.and (i32.ge_s (local.get $iw0) (i32.const 0)) (i32.eq (local.get $dW) (i32.const 1)))
                  (i32.le_s (i32.add (local.get $iw0) (local.get $fW)) (local.get $inW))))
                (local.set $fh (i32.const 0))
                (block $fhdone
                  (loop $fhloop
                    (br_if $fhdone (i32.ge_s (local.get $fh) (local.get $fH)))
                    (local.set $ih (i32.add (local.get $ih0) (i32.mul (local.get $fh) (local.get $dH))))
                    (if (i32.or (i32.lt_s (local.get $ih) (i32.const 0))
                          (i32.ge_s (local.get $ih) (local.get $inH)))
                      (then
                        (if (i32.eqz (local.get $mode))
                          (then (memory.fill (local.get $o) (i32.const 0) (local.get $runBytes)))))
                      (else
                        (local.set $row (i32.add (local.get $image)
                          (i32.mul (local.get $ih) (local.get $rowBytes))))
                        (if (local.get $inside)
                          (then
                            (local.set $src
                              (i32.add (local.get $row) (i32.mul (local.get $iw0) (local.get $cBytes))))
                            (if (i32.and (local.get $short)
                                  (i32.le_u (local.get $src) (local.get $memEnd)))
                              (then (v128.store (local.get $o) (v128.load (local.get $src))))
                            (else (if (i32.eqz (local.get $mode))
                              (then (call $copy (local.get $o) (local.get $src) (local.get $runBytes)))
                              (else (call $accumulate (local.get $src) (local.get $o)
                                (local.get $runBytes)))))))
                          (else
                            (local.set $fw (i32.const 0))
                            (block $fwdone
                              (loop $fwloop
                                (br_if $fwdone (i32.ge_s (local.get $fw) (local.get $fW)))
                                (local.set $iw (i32.add (local.get $iw0)
                                  (i32.mul (local.get $fw) (local.get $dW))))
                                (if (i32.or (i32.lt_s (local.get $iw) (i32.const 0))
                                      (i32.ge_s (local.get $iw) (local.get $inW)))
                                  (then
                                    (if (i32.eqz (local.get $mode))
                                      (then (memory.fill
                                        (i32.add (local.get $o) (i32.mul (local.get $fw) (local.get $cBytes)))
                                        (i32.const 0) (local.get $cBytes)))))
                                  (else
                                    (if (i32.eqz (local.get $mode))
                                      (then (call $copy
                                        (i32.add (local.get $o) (i32.mul (local.get $fw) (local.get $cBytes)))
                                        (i32.add (local.get $row) (i32.mul (local.get $iw) (local.get $cBytes)))
                                        (local.get $cBytes)))
                                      (else (call $accumulate
                                        (i32.add (local.get $row) (i32.mul (local.get $iw) (local.get $cBytes)))
                                        (i32.add (local.get $o) (i32.mul (local.get $fw) (local.get $cBytes)))
                                        (local.get $cBytes))))))
                                (local.set $fw (i32.add (local.get $fw) (i32.const 1)))
                                (br $fwloop)))))))
                    (local.set $o (i32.add (local.get $o) (local.get $runBytes)))
                    (local.set $fh (i32.add (local.get $fh) (i32.const 1)))
                    (br $fhloop)))
                (local.set $ow (i32.add (local.get $ow) (i32.const 1)))
                (br $owloop)))
            (local.set $oh (i32.add (local.get $oh) (i32.const 1)))
            (br $ohloop)))
        (local.set $b (i32.add (local.get $b) (i32.const 1)))
        (br $bloop))))

  ;; dx[at] += dy[0] for a byte offset `at` found by max_pool_grad (-1: no maximum).
  (func $scatter (param $dx i32) (param $at i32) (param $dy i32)
    (if (i32.ge_s (local.get $at) (i32.const 0))
      (then
        (f32.store (i32.add (local.get $dx) (local.get $at))
          (f32.add (f32.load (i32.add (local.get $dx) (local.get $at))) (f32.load (local.get $dy)))))))

  ;; Max-pooling gradient. `geo` holds 14 i32 values: batch, inH, inW, channels, outH, outW,
  ;; effective filter height and width, strideH, strideW, dilationH, dilationW, padTop, padLeft.
  ;; dx (zeroed by the caller) receives each dy value at the first largest input of its window.
  (func (export "max_pool_grad") (param $x i32) (param $dy i32) (param $dx i32) (param $geo i32)
    (local $b i32) (local $batch i32) (local $inH i32) (local $inW i32) (local $ch i32)
    (local $outH i32) (local $outW i32) (local $fH i32) (local $fW i32) (local $sH i32)
    (local $sW i32) (local $dH i32) (local $dW i32) (local $pT i32) (local $pL i32)
    (local $oh i32) (local $ow i32) (local $c i32) (local $r i32) (local $col i32)
    (local $rMin i32) (local $rMax i32) (local $cMin i32) (local $cMax i32)
    (local $image i32) (local $rowBytes i32) (local $at i32) (local $i i32) (local $best f32)
    (local $v f32) (local $stepBytes i32) (local $vbest v128) (local $vat v128) (local $vv v128)
    (local $mask v128)
    (local.set $batch (i32.load (local.get $geo)))
    (local.set $inH (i32.load offset=4 (local.get $geo)))
    (local.set $inW (i32.load offset=8 (local.get $geo)))
    (local.set $ch (i32.load offset=12 (local.get $geo)))
    (local.set $outH (i32.load offset=16 (local.get $geo)))
    (local.set $outW (i32.load offset=20 (local.get $geo)))
    (local.set $fH (i32.load offset=24 (local.get $geo)))
    (local.set $fW (i32.load offset=28 (local.get $geo)))
    (local.set $sH (i32.load offset=32 (local.get $geo)))
    (local.set $sW (i32.load offset=36 (local.get $geo)))
    (local.set $dH (i32.load offset=40 (local.get $geo)))
    (local.set $dW (i32.load offset=44 (local.get $geo)))
    (local.set $pT (i32.load offset=48 (local.get $geo)))
    (local.set $pL (i32.load offset=52 (local.get $geo)))
    (local.set $rowBytes (i32.shl (i32.mul (local.get $inW) (local.get $ch)) (i32.const 2)))
    (local.set $stepBytes (i32.shl (i32.mul (local.get $dW) (local.get $ch)) (i32.const 2)))
    (local.set $b (i32.const 0))
    (block $bdone
      (loop $bloop
        (br_if $bdone (i32.ge_s (local.get $b) (local.get $batch)))
        (local.set $image (i32.mul (local.get $b) (i32.mul (local.get $inH) (local.get $rowBytes))))
        (local.set $oh (i32.const 0))
        (block $ohdone
          (loop $ohloop
            (br_if $ohdone (i32.ge_s (local.get $oh) (local.get $outH)))
            (local.set $rMin (i32.sub (i32.mul (local.get $oh) (local.get $sH)) (local.get $pT)))
            (local.set $rMax (i32.add (local.get $rMin) (local.get $fH)))
            (if (i32.gt_s (local.get $rMax) (local.get $inH)) (then (local.set $rMax (local.get $inH))))
            (if (i32.lt_s (local.get $rMin) (i32.const 0)) (then (local.set $rMin (i32.const 0))))
            (local.set $ow (i32.const 0))
            (block $owdone
              (loop $owloop
                (br_if $owdone (i32.ge_s (local.get $ow) (local.get $outW)))
                (local.set $cMin (i32.sub (i32.mul (local.get $ow) (local.get $sW)) (local.get $pL)))
                (local.set $cMax (i32.add (local.get $cMin) (local.get $fW)))
                (if (i32.gt_s (local.get $cMax) (local.get $inW)) (then (local.set $cMax (local.get $inW))))
                (if (i32.lt_s (local.get $cMin) (i32.const 0)) (then (local.set $cMin (i32.const 0))))
                (local.set $c (i32.const 0))
                ;; four channels at a time, branch-free: lanes keep their maximum and its address
                (block $vdone
                  (loop $vloop
                    (br_if $vdone (i32.gt_s (i32.add (local.get $c) (i32.const 4)) (local.get $ch)))
                    (local.set $vbest (f32x4.splat (f32.neg (f32.const inf))))
                    (local.set $vat (i32x4.splat (i32.const -1)))
                    (local.set $r (local.get $rMin))
                    (block $vrdone
                      (loop $vrloop
                        (br_if $vrdone (i32.ge_s (local.get $r) (local.get $rMax)))
                        (local.set $i (i32.add (i32.add (local.get $image)
                          (i32.mul (local.get $r) (local.get $rowBytes)))
                          (i32.shl (i32.add (i32.mul (local.get $cMin) (local.get $ch)) (local.get $c))
                            (i32.const 2))))
                        (local.set $col (local.get $cMin))
                        (block $vwdone
                          (loop $vwloop
                            (br_if $vwdone (i32.ge_s (local.get $col) (local.get $cMax)))
                            (local.set $vv (v128.load (i32.add (local.get $x) (local.get $i))))
                            (local.set $mask (f32x4.gt (local.get $vv) (local.get $vbest)))
                            (local.set $vbest (v128.bitselect (local.get $vv) (local.get $vbest) (local.get $mask)))
                            (local.set $vat (v128.bitselect
                              (i32x4.add (i32x4.splat (local.get $i)) (v128.const i32x4 0 4 8 12))
                              (local.get $vat) (local.get $mask)))
                            (local.set $i (i32.add (local.get $i) (local.get $stepBytes)))
                            (local.set $col (i32.add (local.get $col) (local.get $dW)))
                            (br $vwloop)))
                        (local.set $r (i32.add (local.get $r) (local.get $dH)))
                        (br $vrloop)))
                    (call $scatter (local.get $dx) (i32x4.extract_lane 0 (local.get $vat)) (local.get $dy))
                    (call $scatter (local.get $dx) (i32x4.extract_lane 1 (local.get $vat))
                      (i32.add (local.get $dy) (i32.const 4)))
                    (call $scatter (local.get $dx) (i32x4.extract_lane 2 (local.get $vat))
                      (i32.add (local.get $dy) (i32.const 8)))
                    (call $scatter (local.get $dx) (i32x4.extract_lane 3 (local.get $vat))
                      (i32.add (local.get $dy) (i32.const 12)))
                    (local.set $dy (i32.add (local.get $dy) (i32.const 16)))
                    (local.set $c (i32.add (local.get $c) (i32.const 4)))
                    (br $vloop)))
                (block $cdone
                  (loop $cloop
                    (br_if $cdone (i32.ge_s (local.get $c) (local.get $ch)))
                    (local.set $best (f32.neg (f32.const inf)))
                    (local.set $at (i32.const -1))
                    (local.set $r (local.get $rMin))
                    (block $rdone
                      (loop $rloop
                        (br_if $rdone (i32.ge_s (local.get $r) (local.get $rMax)))
                        (local.set $i (i32.add (i32.add (local.get $image)
                          (i32.mul (local.get $r) (local.get $rowBytes)))
                          (i32.shl (i32.add (i32.mul (local.get $cMin) (local.get $ch)) (local.get $c))
                            (i32.const 2))))
                        (local.set $col (local.get $cMin))
                        (block $wdone
                          (loop $wloop
                            (br_if $wdone (i32.ge_s (local.get $col) (local.get $cMax)))
                            (local.set $v (f32.load (i32.add (local.get $x) (local.get $i))))
                            (if (f32.gt (local.get $v) (local.get $best))
                              (then (local.set $best (local.get $v)) (local.set $at (local.get $i))))
                            (local.set $i (i32.add (local.get $i) (local.get $stepBytes)))
                            (local.set $col (i32.add (local.get $col) (local.get $dW)))
                            (br $wloop)))
                        (local.set $r (i32.add (local.get $r) (local.get $dH)))
                        (br $rloop)))
                    (if (i32.ge_s (local.get $at) (i32.const 0))
                      (then
                        (f32.store (i32.add (local.get $dx) (local.get $at))
                          (f32.add (f32.load (i32.add (local.get $dx) (local.get $at)))
                            (f32.load (local.get $dy))))))
                    (local.set $dy (i32.add (local.get $dy) (i32.const 4)))
                    (local.set $c (i32.add (local.get $c) (i32.const 1)))
                    (br $cloop)))
                (local.set $ow (i32.add (local.get $ow) (i32.const 1)))
                (br $owloop)))
            (local.set $oh (i32.add (local.get $oh) (i32.const 1)))
            (br $ohloop)))
        (local.set $b (i32.add (local.get $b) (i32.const 1)))
        (br $bloop))))

  ;; One Adam step over n values, with TensorFlow.js's float32 operations in TensorFlow.js's
  ;; order, so results are bitwise those of its Adam:
  ;;   m' = m * b1 + g * c1;  v' = v * b2 + (g * g) * c2;
  ;;   w' = ((m' / a1) / (sqrt(v' / a2) + eps)) * nlr + w
  ;; (c = 1 - beta, a = 1 - beta^t, nlr = -learning rate). Outputs must not overlap inputs.
  (func (export "adam") (param $w i32) (param $g i32) (param $m i32) (param $v i32)
    (param $ow i32) (param $om i32) (param $ov i32) (param $n i32)
    (param $b1 f32) (param $c1 f32) (param $b2 f32) (param $c2 f32)
    (param $a1 f32) (param $a2 f32) (param $eps f32) (param $nlr f32)
    (local $o i32) (local $end i32) (local $all i32)
    (local $sb1 v128) (local $sc1 v128) (local $sb2 v128) (local $sc2 v128)
    (local $sa1 v128) (local $sa2 v128) (local $seps v128) (local $snlr v128)
    (local $gv v128) (local $mv v128) (local $vv v128)
    (local $gs f32) (local $ms f32) (local $vs f32)
    (local.set $sb1 (f32x4.splat (local.get $b1)))
    (local.set $sc1 (f32x4.splat (local.get $c1)))
    (local.set $sb2 (f32x4.splat (local.get $b2)))
    (local.set $sc2 (f32x4.splat (local.get $c2)))
    (local.set $sa1 (f32x4.splat (local.get $a1)))
    (local.set $sa2 (f32x4.splat (local.get $a2)))
    (local.set $seps (f32x4.splat (local.get $eps)))
    (local.set $snlr (f32x4.splat (local.get $nlr)))
    (local.set $end (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2)))
    (local.set $all (i32.shl (local.get $n) (i32.const 2)))
    (block $done
      (loop $vec
        (br_if $done (i32.ge_u (local.get $o) (local.get $end)))
        (local.set $gv (v128.load (i32.add (local.get $g) (local.get $o))))
        (local.set $mv (f32x4.add
          (f32x4.mul (v128.load (i32.add (local.get $m) (local.get $o))) (local.get $sb1))
          (f32x4.mul (local.get $gv) (local.get $sc1))))
        (local.set $vv (f32x4.add
          (f32x4.mul (v128.load (i32.add (local.get $v) (local.get $o))) (local.get $sb2))
          (f32x4.mul (f32x4.mul (local.get $gv) (local.get $gv)) (local.get $sc2))))
        (v128.store (i32.add (local.get $om) (local.get $o)) (local.get $mv))
        (v128.store (i32.add (local.get $ov) (local.get $o)) (local.get $vv))
        (v128.store (i32.add (local.get $ow) (local.get $o))
          (f32x4.add
            (f32x4.mul
              (f32x4.div
                (f32x4.div (local.get $mv) (local.get $sa1))
                (f32x4.add (f32x4.sqrt (f32x4.div (local.get $vv) (local.get $sa2)))
                  (local.get $seps)))
              (local.get $snlr))
            (v128.load (i32.add (local.get $w) (local.get $o)))))
        (local.set $o (i32.add (local.get $o) (i32.const 16)))
        (br $vec)))
    (block $done1
      (loop $one
        (br_if $done1 (i32.ge_u (local.get $o) (local.get $all)))
        (local.set $gs (f32.load (i32.add (local.get $g) (local.get $o))))
        (local.set $ms (f32.add
          (f32.mul (f32.load (i32.add (local.get $m) (local.get $o))) (local.get $b1))
          (f32.mul (local.get $gs) (local.get $c1))))
        (local.set $vs (f32.add
          (f32.mul (f32.load (i32.add (local.get $v) (local.get $o))) (local.get $b2))
          (f32.mul (f32.mul (local.get $gs) (local.get $gs)) (local.get $c2))))
        (f32.store (i32.add (local.get $om) (local.get $o)) (local.get $ms))
        (f32.store (i32.add (local.get $ov) (local.get $o)) (local.get $vs))
        (f32.store (i32.add (local.get $ow) (local.get $o))
          (f32.add
            (f32.mul
              (f32.div
                (f32.div (local.get $ms) (local.get $a1))
                (f32.add (f32.sqrt (f32.div (local.get $vs) (local.get $a2))) (local.get $eps)))
              (local.get $nlr))
            (f32.load (i32.add (local.get $w) (local.get $o)))))
        (local.set $o (i32.add (local.get $o) (i32.const 4)))
        (br $one))))

  ;; out[j] = sum over r < rows of x[r * cols + j]: a sum over the leading axes of a row-major
  ;; tensor. Blocks of 64 rows are summed in float32 and the block sums in float64 at `acc`
  ;; (cols * 8 bytes of scratch), so the result is close to the exact sum.
  (func (export "column_sum") (param $x i32) (param $out i32) (param $rows i32) (param $cols i32)
    (param $acc i32)
    (local $r0 i32) (local $r1 i32) (local $r i32) (local $j i32) (local $cols4 i32)
    (local $rowBytes i32) (local $p i32) (local $a i32) (local $sum v128) (local $one f32)
    (local.set $cols4 (i32.and (local.get $cols) (i32.const -4)))
    (local.set $rowBytes (i32.shl (local.get $cols) (i32.const 2)))
    (memory.fill (local.get $acc) (i32.const 0) (i32.shl (local.get $cols) (i32.const 3)))
    (block $blocksDone
      (loop $blocks
        (br_if $blocksDone (i32.ge_u (local.get $r0) (local.get $rows)))
        (local.set $r1 (i32.add (local.get $r0) (i32.const 64)))
        (if (i32.gt_u (local.get $r1) (local.get $rows)) (then (local.set $r1 (local.get $rows))))
        (local.set $j (i32.const 0))
        (block $vecDone
          (loop $vec
            (br_if $vecDone (i32.ge_u (local.get $j) (local.get $cols4)))
            (local.set $sum (v128.const i32x4 0 0 0 0))
            (local.set $p (i32.add (local.get $x)
              (i32.add (i32.mul (local.get $r0) (local.get $rowBytes))
                (i32.shl (local.get $j) (i32.const 2)))))
            (local.set $r (local.get $r0))
            (block $rowsDone
              (loop $row
                (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $r1)))
                (local.set $sum (f32x4.add (local.get $sum) (v128.load (local.get $p))))
                (local.set $p (i32.add (local.get $p) (local.get $rowBytes)))
                (local.set $r (i32.add (local.get $r) (i32.const 1)))
                (br $row)))
            (local.set $a (i32.add (local.get $acc) (i32.shl (local.get $j) (i32.const 3))))
            (v128.store (local.get $a)
              (f64x2.add (v128.load (local.get $a)) (f64x2.promote_low_f32x4 (local.get $sum))))
            (v128.store offset=16 (local.get $a)
              (f64x2.add (v128.load offset=16 (local.get $a))
                (f64x2.promote_low_f32x4
                  (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7
                    (local.get $sum) (local.get $sum)))))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $vec)))
        (block $oneDone
          (loop $one
            (br_if $oneDone (i32.ge_u (local.get $j) (local.get $cols)))
            (local.set $one (f32.const 0))
            (local.set $p (i32.add (local.get $x)
              (i32.add (i32.mul (local.get $r0) (local.get $rowBytes))
                (i32.shl (local.get $j) (i32.const 2)))))
            (local.set $r (local.get $r0))
            (block $rowsDone1
              (loop $row1
                (br_if $rowsDone1 (i32.ge_u (local.get $r) (local.get $r1)))
                (local.set $one (f32.add (local.get $one) (f32.load (local.get $p))))
                (local.set $p (i32.add (local.get $p) (local.get $rowBytes)))
                (local.set $r (i32.add (local.get $r) (i32.const 1)))
                (br $row1)))
            (local.set $a (i32.add (local.get $acc) (i32.shl (local.get $j) (i32.const 3))))
            (f64.store (local.get $a)
              (f64.add (f64.load (local.get $a)) (f64.promote_f32 (local.get $one))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $one)))
        (local.set $r0 (local.get $r1))
        (br $blocks)))
    (local.set $j (i32.const 0))
    (block $outDone
      (loop $outs
        (br_if $outDone (i32.ge_u (local.get $j) (local.get $cols)))
        (f32.store (i32.add (local.get $out) (i32.shl (local.get $j) (i32.const 2)))
          (f32.demote_f64 (f64.load (i32.add (local.get $acc) (i32.shl (local.get $j) (i32.const 3))))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $outs))))

  ;; out[r * cols + j] = x[r * cols + j] + bias[j] for r < rows: a broadcast add of a vector
  ;; over the last axis (a layer's bias). `out` may be `x`.
  (func (export "add_rows") (param $x i32) (param $bias i32) (param $out i32) (param $rows i32)
    (param $cols i32)
    (local $r i32) (local $j i32) (local $cols4 i32) (local $o i32)
    (local.set $cols4 (i32.and (local.get $cols) (i32.const -4)))
    (block $rowsDone
      (loop $row
        (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $j (i32.const 0))
        (block $vecDone
          (loop $vec
            (br_if $vecDone (i32.ge_u (local.get $j) (local.get $cols4)))
            (local.set $o (i32.shl (local.get $j) (i32.const 2)))
            (v128.store (i32.add (local.get $out) (local.get $o))
              (f32x4.add (v128.load (i32.add (local.get $x) (local.get $o)))
                (v128.load (i32.add (local.get $bias) (local.get $o)))))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $vec)))
        (block $oneDone
          (loop $one
            (br_if $oneDone (i32.ge_u (local.get $j) (local.get $cols)))
            (local.set $o (i32.shl (local.get $j) (i32.const 2)))
            (f32.store (i32.add (local.get $out) (local.get $o))
              (f32.add (f32.load (i32.add (local.get $x) (local.get $o)))
                (f32.load (i32.add (local.get $bias) (local.get $o)))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $one)))
        (local.set $o (i32.shl (local.get $cols) (i32.const 2)))
        (local.set $x (i32.add (local.get $x) (local.get $o)))
        (local.set $out (i32.add (local.get $out) (local.get $o)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $row))))
)
