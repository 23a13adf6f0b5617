namespace FuncCnn.Core

open FuncCnn

open FuncCnn.Core
open System

/// A seeded, splittable random generator in the style of JAX's PRNG keys: a key is an immutable
/// value; `split` derives independent keys; every draw is a pure function of the key. The same
/// seed gives the same numbers on any machine (integer arithmetic only, no platform RNG).
[<Struct; CustomEquality; NoComparison>]
type Rng =
    internal { Key: uint64 }
    override this.Equals(o) = match o with :? Rng as r -> r.Key = this.Key | _ -> false
    override this.GetHashCode() = this.Key.GetHashCode()
    override this.ToString() = sprintf "Rng(%016x)" this.Key

module Rng =
    // SplitMix64's finalizer: a bijective mixer with good avalanche, used to derive keys and streams.
    let inline private mix (z0: uint64) =
        let mutable z = z0
        z <- (z ^^^ (z >>> 30)) * 0xBF58476D1CE4E5B9UL
        z <- (z ^^^ (z >>> 27)) * 0x94D049BB133111EBUL
        z ^^^ (z >>> 31)

    let private golden = 0x9E3779B97F4A7C15UL

    /// A generator from a seed.
    let create (seed: int64) = { Key = mix (uint64 seed + golden) }

    /// Two independent generators derived from one.
    let split (rng: Rng) = { Key = mix (rng.Key ^^^ 0x5851F42D4C957F2DUL) }, { Key = mix (rng.Key + 0x14057B7EF767814FUL) }

    /// n independent generators derived from one.
    let splitN (n: int) (rng: Rng) = Array.init n (fun i -> { Key = mix (rng.Key + golden * uint64 (i + 1) ^^^ 0xD1B54A32D192ED03UL) })

    /// A generator derived from a name (e.g. a layer's name), so adding a layer does not shift the others.
    let fold (name: string) (rng: Rng) =
        let mutable h = rng.Key
        for ch in name do h <- mix (h ^^^ uint64 ch)
        { Key = mix h }

    /// The raw 64-bit stream of a key (SplitMix64); mutation stays inside the draw functions.
    type private Stream(key: uint64) =
        let mutable state = key
        member _.Next() =
            state <- state + golden
            mix state
        /// Uniform in [0, 1) with 24 bits, exactly representable as float32.
        member this.NextUnit() = float32 (this.Next() >>> 40) * (1.0f / 16777216.0f)
        member this.NextDouble() = float (this.Next() >>> 11) * (1.0 / 9007199254740992.0)
        /// Uniform integer in [0, n) without modulo bias (Lemire's method).
        member this.NextBelow(n: int) =
            let bound = uint64 n
            let mutable r = this.Next() >>> 32
            let mutable m = r * bound
            let threshold = (0x100000000UL - bound) % bound
            while (m &&& 0xFFFFFFFFUL) < threshold do
                r <- this.Next() >>> 32
                m <- r * bound
            int (m >>> 32)

    /// n floats uniform in [lo, hi).
    let uniform (lo: float32) (hi: float32) (n: int) (rng: Rng) =
        let s = Stream(rng.Key)
        Array.init n (fun _ -> lo + (hi - lo) * s.NextUnit())

    /// n floats from a normal distribution (Box-Muller in double precision).
    let normal (mean: float32) (std: float32) (n: int) (rng: Rng) =
        let s = Stream(rng.Key)
        let out = Array.zeroCreate n
        let mutable i = 0
        while i < n do
            let u1 = 1.0 - s.NextDouble()
            let u2 = s.NextDouble()
            let r = sqrt (-2.0 * log u1)
            out.[i] <- mean + std * float32 (r * cos (2.0 * Math.PI * u2))
            if i + 1 < n then out.[i + 1] <- mean + std * float32 (r * sin (2.0 * Math.PI * u2))
            i <- i + 2
        out

    /// n booleans, each true with probability p.
    let bernoulli (p: float32) (n: int) (rng: Rng) =
        let s = Stream(rng.Key)
        Array.init n (fun _ -> s.NextUnit() < p)

    /// A uniformly random permutation of 0 .. n-1 (Fisher-Yates).
    let permutation (n: int) (rng: Rng) =
        let s = Stream(rng.Key)
        let a = Array.init n id
        for i in n - 1 .. -1 .. 1 do
            let j = s.NextBelow(i + 1)
            let t = a.[i]
            a.[i] <- a.[j]
            a.[j] <- t
        a

    /// A uniform integer in [0, n).
    let intBelow (n: int) (rng: Rng) =
        if n <= 0 then Fail.value "intBelow: bound must be positive, got %d" n
        Stream(rng.Key).NextBelow n
