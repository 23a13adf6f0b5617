namespace FuncCnn.Core

open FuncCnn

open FuncCnn.Core
open System

/// One recorded operation: its parents and how to turn the gradient of its output into
/// gradients for them (null for a parent that needs none).
[<AllowNullLiteral>]
type internal TapeNode(tape: Tape, id: int, parents: Tensor[], backward: float32[] -> float32[][]) =
    member _.Tape = tape
    member _.Id = id
    member _.Parents = parents
    member _.Backward = backward

/// The record of one differentiation: a fresh tape per `grad` call, appended to in program order,
/// so the node list is already topologically sorted.
and [<AllowNullLiteral>] internal Tape() =
    let nodes = ResizeArray<TapeNode>()
    /// Set when the `grad` call that owns this tape returns; its tensors are constants from then on.
    member val internal Closed = false with get, set
    member internal this.Record(parents: Tensor[], backward: float32[] -> float32[][]) =
        let node = TapeNode(this, nodes.Count, parents, backward)
        nodes.Add node
        node
    member internal _.Nodes = nodes

/// An immutable float32 tensor: contiguous, row-major, NCHW for images.
/// A tensor created inside `grad` may carry a tape node; a constant carries none and costs nothing.
and [<Sealed; AllowNullLiteral>] Tensor internal (shape: int[], data: float32[], node: TapeNode) =
    do
        if Shape.numel shape <> data.Length then
            Fail.shape "tensor: shape %s holds %d elements but %d values were given" (Shape.show shape) (Shape.numel shape) data.Length

    /// The raw storage. Never mutated after construction.
    member internal _.Data = data
    /// The shape array itself (no copy), for code inside the library.
    member internal _.Dims = shape
    member internal _.Node = node
    /// True when this tensor is being differentiated (it is on a tape).
    member _.IsTracked = not (isNull node)
    /// The dimensions, outermost first.
    member _.Shape: int[] = Array.copy shape
    member _.Rank = shape.Length
    /// Number of elements.
    member _.Numel = data.Length
    /// A copy of the values, row-major.
    member _.ToArray() = Array.copy data
    /// The value of a one-element tensor.
    member _.ToScalar() =
        if data.Length <> 1 then Fail.shape "toScalar: tensor of shape %s has %d elements, not 1" (Shape.show shape) data.Length
        data.[0]
    /// The element at the given indices (one per dimension).
    member _.Item
        with get (indices: int[]) =
            if indices.Length <> shape.Length then
                Fail.shape "item: %d indices given for a tensor of shape %s" indices.Length (Shape.show shape)
            let mutable flat = 0
            for i in 0 .. shape.Length - 1 do
                if indices.[i] < 0 || indices.[i] >= shape.[i] then
                    Fail.shape "item: index %d is out of range for dimension %d of shape %s" indices.[i] i (Shape.show shape)
                flat <- flat * shape.[i] + indices.[i]
            data.[flat]
    /// The same values with no tape: gradients stop here.
    member this.Detach() = if isNull node then this else Tensor(shape, data, null)

    override _.ToString() =
        let shown = data |> Seq.truncate 8 |> Seq.map (fun v -> v.ToString("G6", Globalization.CultureInfo.InvariantCulture)) |> String.concat ", "
        sprintf "Tensor%s [%s%s]" (Shape.show shape) shown (if data.Length > 8 then ", ..." else "")

/// Creating tensors. All of these are constants (no tape).
module Tensor =
    /// Wraps an array the caller promises never to mutate again (no copy).
    let internal wrap (shape: int[]) (data: float32[]) = Tensor(shape, data, null)

    /// A tensor of the given shape holding a copy of the values (row-major).
    let ofArray (shape: int[]) (values: float32[]) =
        if shape |> Array.exists (fun d -> d < 0) then Fail.shape "ofArray: shape %s has a negative dimension" (Shape.show shape)
        Tensor(Array.copy shape, Array.copy values, null)

    let scalar (v: float32) = Tensor([||], [| v |], null)
    let full (shape: int[]) (v: float32) = Tensor(Array.copy shape, Array.create (Shape.numel shape) v, null)
    let zeros (shape: int[]) = full shape 0.0f
    let ones (shape: int[]) = full shape 1.0f
    /// Built from a function of the flat index.
    let init (shape: int[]) (f: int -> float32) = Tensor(Array.copy shape, Array.init (Shape.numel shape) f, null)

    /// A 2-D tensor from rows of equal length.
    let ofRows (rows: float32[][]) =
        let r = rows.Length
        let c = if r = 0 then 0 else rows.[0].Length
        if rows |> Array.exists (fun row -> row.Length <> c) then Fail.shape "ofRows: rows have different lengths"
        Tensor([| r; c |], Array.concat rows, null)

    let shape (t: Tensor) = t.Shape
    let toArray (t: Tensor) = t.ToArray()
    let toScalar (t: Tensor) = t.ToScalar()
    let detach (t: Tensor) = t.Detach()
