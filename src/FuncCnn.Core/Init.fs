namespace FuncCnn.Core

open FuncCnn

open FuncCnn.Core
open System

/// How a parameter tensor gets its first values. Keras' defaults: Glorot-uniform kernels, zero biases.
type Initializer =
    /// All zeros (Keras' default for biases).
    | Zeros
    /// Every element the same value.
    | Constant of float32
    /// Uniform in [-l, l] with l = sqrt(6 / (fanIn + fanOut)) (Keras' default for kernels).
    | GlorotUniform
    /// Truncated normal with std sqrt(2 / (fanIn + fanOut)), as Keras draws it.
    | GlorotNormal
    /// Truncated normal with std sqrt(2 / fanIn) (Keras' he_normal), for ReLU networks.
    | HeNormal
    /// Uniform in [-l, l] with l = sqrt(6 / fanIn) (Keras' he_uniform).
    | HeUniform

/// Drawing initial parameters: pure functions of a generator, the shape and the fans.
module Init =
    /// Keras' correction so a normal truncated at two standard deviations keeps the wanted std.
    let private truncatedStdCorrection = 0.87962566103423978

    /// n draws from a normal(0, std) truncated to [-2 std, 2 std], redrawing with fresh keys.
    let truncatedNormal (std: float32) (n: int) (rng: Rng) =
        let out = Array.zeroCreate n
        let mutable filled = 0
        let mutable key = rng
        while filled < n do
            let draw, next = Rng.split key
            key <- next
            for v in Rng.normal 0.0f 1.0f (n - filled) draw do
                if filled < n && abs v <= 2.0f then
                    out.[filled] <- v * std
                    filled <- filled + 1
        out

    /// The values of a tensor of `count` elements drawn by `init` for the given fans.
    let values (init: Initializer) (fanIn: int, fanOut: int) (count: int) (rng: Rng) : float32[] =
        let fi, fo = float (max 1 fanIn), float (max 1 fanOut)
        let uniform limit = Rng.uniform (float32 -limit) (float32 limit) count rng
        let normal std = truncatedNormal (float32 (std / truncatedStdCorrection)) count rng
        match init with
        | Zeros -> Array.zeroCreate count
        | Constant c -> Array.create count c
        | GlorotUniform -> uniform (Math.Sqrt(6.0 / (fi + fo)))
        | GlorotNormal -> normal (Math.Sqrt(2.0 / (fi + fo)))
        | HeNormal -> normal (Math.Sqrt(2.0 / fi))
        | HeUniform -> uniform (Math.Sqrt(6.0 / fi))

    /// A tensor of the given shape drawn by `init` for the given fans.
    let tensor (init: Initializer) (fans: int * int) (shape: int[]) (rng: Rng) : Tensor =
        Tensor.wrap (Array.copy shape) (values init fans (Shape.numel shape) rng)
