/// Inference over many inputs at once (a report's 10,000 test images): the model's layers in Eval mode on
/// small chunks of images, one chunk per core at a time, every intermediate written into two buffers each
/// worker rents once and reuses for all its chunks, and no autodiff records. A fresh multi-megabyte array per layer and batch (what
/// the layer-by-layer forward pass allocates) costs more in page faults than the arithmetic done on it: on
/// the 2-core machine this was measured on, touching a fresh 10.8 MB array took about as long as the seed CNN's
/// second convolution on the images it holds. Convolutions (direct kernel or GEMM, the kernels the
/// layers use), max pooling (the kernel's values-only form), dense layers and the activations run here; any other layer (average pooling,
/// transposed convolutions) runs through Layer.apply on the chunk, so every model gets the same results as
/// Model.apply, to rounding.
module FuncCnn.Core.Inference

open System
open System.Buffers
open System.Numerics.Tensors
open FuncCnn
open FuncCnn.Core
open FuncCnn.Core.Nn
open FuncCnn.Core.Kernels

/// What one layer does to a chunk of n images: nothing (flatten, reshape, dropout in Eval), change the
/// values in place (an activation), or read one buffer and write the other.
type private Step =
    | Identity
    | InPlace of (int -> float32[] -> unit)
    | Map of (int -> float32[] -> float32[] -> unit)

/// Floats per chunk buffer the chunk size aims at (1 MB): a chunk's intermediates stay in one core's cache.
[<Literal>]
let private ChunkFloats = 262_144


let private tensorOf (p: ParamTree) (name: string) =
    match ParamTree.tryFind name p with
    | Some(Leaf t) -> Some t
    | _ -> None

/// The layer as it runs in Model.apply, on a copy of the chunk: for layers without a fast path here.
let private generic (l: BuiltLayer) (p: ParamTree) (inShape: int[]) (outSize: int) : Step =
    let inSize = Shape.numel inShape
    let rng = Rng.fold l.Name (Rng.create 0L)
    Map(fun n src dst ->
        let x = Tensor.wrap (Array.append [| n |] inShape) (Array.sub src 0 (n * inSize))
        let y = Layer.apply l.Spec p Eval rng x
        Array.blit y.Data 0 dst 0 (n * outSize))

/// An activation applied in place; ReLU directly, the others through Layer.activate on a copy.
let private activation (a: Activation) (shape: int[]) : Step =
    let size = Shape.numel shape
    match a with
    | Linear -> Identity
    | Relu -> InPlace(fun n buf -> TensorPrimitives.Max(ReadOnlySpan(buf, 0, n * size), 0.0f, Span(buf, 0, n * size)))
    | a ->
        InPlace(fun n buf ->
            let y = Layer.activate a (Tensor.wrap (Array.append [| n |] shape) (Array.sub buf 0 (n * size)))
            Array.blit y.Data 0 buf 0 (n * size))

let private conv (c: ConvSpec) (p: ParamTree) (inShape: int[]) (outShape: int[]) : Step list =
    let w = (tensorOf p "kernel").Value
    let bias = tensorOf p "bias" |> Option.map (fun b -> b.Data)
    let pad =
        match c.Padding with
        | Padding.Valid -> Shape.Padding2d.zero
        | Padding.Same -> Shape.Padding2d.same (inShape.[1], inShape.[2]) c.Kernel c.Strides
    let geometry n = Shape.conv2d (Array.append [| n |] inShape) w.Dims c.Strides pad
    let relu = c.Activation = Relu
    // the training kernels themselves, on this chunk's buffers and this worker's core
    let run = Map(fun n src dst -> Conv.conv2dForwardInto relu false (geometry n) src w.Data bias dst)
    if relu then [ run ] else [ run; activation c.Activation outShape ]

/// Max pooling without the argmax the backward pass needs: Pool's kernel, on this worker's core.
let private maxPool (s: PoolSpec) (inShape: int[]) : Step =
    Map(fun n src dst -> Pool.maxPool2dValuesInto (Shape.pool2d "max_pool2d" (Array.append [| n |] inShape) s.PoolSize s.PoolStrides) src dst)

let private dense (d: DenseSpec) (p: ParamTree) (inShape: int[]) (outShape: int[]) : Step list =
    let w = (tensorOf p "kernel").Value
    let bias = tensorOf p "bias" |> Option.map (fun b -> b.Data)
    let k, units = Shape.numel inShape, d.Units
    let run =
        Map(fun n src dst ->
            match bias with
            | Some b -> for i in 0 .. n - 1 do Array.blit b 0 dst (i * units) units
            | None -> ()
            Gemm.gemm false false n units k (src, 0) (w.Data, 0) (dst, 0) bias.IsSome)
    [ run; activation d.DenseActivation outShape ]

/// The steps of every layer, with the per-image size of each step's output.
let private plan (model: Model) : (Step * int) list =
    let mutable shape = model.InputShape
    [ for l in model.Layers do
        let p = match model.Params with Branch cs -> (cs |> List.tryFind (fun (n, _) -> n = l.Name) |> Option.map snd |> Option.defaultValue ParamTree.empty) | Leaf _ -> ParamTree.empty
        let inShape, outShape = shape, l.OutputShape
        let outSize = Shape.numel outShape
        let steps =
            match l.Spec with
            | Conv2D c when (tensorOf p "kernel").IsSome -> conv c p inShape outShape
            | MaxPool2D s -> [ maxPool s inShape ]
            | Dense d when (tensorOf p "kernel").IsSome && inShape.Length = 1 -> dense d p inShape outShape
            | Dropout _ | Flatten _ | Reshape _ -> [ Identity ]
            | ActivationLayer(_, a) -> [ activation a outShape ]
            | _ -> [ generic l p inShape outSize ]
        for s in steps do yield s, outSize
        shape <- outShape ]

/// The model's outputs for `count` inputs, each of the model's input shape: `fill start n dst` writes inputs
/// start .. start+n-1 into dst (back to back). Returns the outputs back to back ([count, output...]).
let outputsWith (model: Model) (count: int) (fill: int -> int -> float32[] -> unit) : float32[] =
    if count < 0 then Fail.value "inference: the number of inputs must not be negative, got %d" count
    let steps = plan model
    let inSize = Shape.numel model.InputShape
    let outSize = Shape.numel model.OutputShape
    let widest = steps |> List.fold (fun m (_, size) -> max m size) inSize
    let largest = max 1 (min count (min 256 (ChunkFloats / max 1 widest)))
    // a whole number of chunks per thread, all about the same size (128 images in chunks of at most
    // 12 were 11 chunks: 6 on one core, 5 on the other)
    let threads = Setup.threadsOf (Setup.current ())
    let wanted = if count = 0 then 0 else min count (Setup.roundUp ((count + largest - 1) / largest) threads)
    let chunk = if wanted = 0 then 1 else (count + wanted - 1) / wanted
    let chunks = if count = 0 then 0 else (count + chunk - 1) / chunk
    let result = Array.zeroCreate (count * outSize)
    let pool = ArrayPool<float32>.Shared
    // Chunks are independent: each worker runs whole chunks through every layer in its own two buffers
    // (kept for all its chunks), so a chunk's intermediates stay in that core's cache and the layers need
    // no synchronisation. Each chunk writes its own rows of the result: the bits never depend on threads.
    let runChunk (c: int) (a: float32[], b: float32[]) =
        let start = c * chunk
        let n = min chunk (count - start)
        fill start n a
        let mutable src, dst = a, b
        for step, _ in steps do
            match step with
            | Identity -> ()
            | InPlace f -> f n src
            | Map f ->
                f n src dst
                let t = src
                src <- dst
                dst <- t
        Array.blit src 0 result (start * outSize) (n * outSize)
    if chunks > 0 then
        Workers.runWithLocal chunks threads
            (fun () -> pool.Rent(chunk * widest), pool.Rent(chunk * widest))
            (fun buffers c -> runChunk c buffers)
            (fun (a, b) -> pool.Return a; pool.Return b)
    result

/// The model's outputs for inputs [N, input shape...] back to back.
let outputs (model: Model) (inputs: float32[]) : float32[] =
    let size = Shape.numel model.InputShape
    if size = 0 || inputs.Length % size <> 0 then
        Fail.shape "inference: %d values are not a whole number of inputs of shape %s" inputs.Length (Shape.show model.InputShape)
    outputsWith model (inputs.Length / size) (fun start n dst -> Array.blit inputs (start * size) dst 0 (n * size))

/// Class probabilities [N, classes] for a dataset's images, in order (softmax of the logits, or the model's
/// own softmax), like Train.predict but chunk by chunk into reused buffers.
let probabilities (model: Model) (ds: FuncCnn.Core.Data.Dataset) : float32[] =
    if ds.ImageShape <> model.InputShape then
        Fail.shape "dataset %s has images of shape %s but the model takes %s (C,H,W)" ds.Name (Shape.show ds.ImageShape) (Shape.show model.InputShape)
    let size = Shape.numel ds.ImageShape
    let fill start n (dst: float32[]) =
        match ds.Pixels with
        | FuncCnn.Core.Data.Bytes px ->
            let src = ReadOnlySpan<byte>(px, start * size, n * size)
            for j in 0 .. src.Length - 1 do dst.[j] <- float32 src.[j] / 255.0f
        | FuncCnn.Core.Data.Floats px -> Array.blit px (start * size) dst 0 (n * size)
    let out = outputsWith model ds.Labels.Length fill
    if Model.endsInSoftmax model || out.Length = 0 then out
    else (Nn.softmax (Tensor.wrap [| ds.Labels.Length; Shape.numel model.OutputShape |] out)).Data
