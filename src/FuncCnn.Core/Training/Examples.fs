namespace FuncCnn.Core

open FuncCnn

open FuncCnn.Core

/// Training or evaluation examples addressed by index: how many there are, one example's shape,
/// and a function that gathers the inputs [n, ...] and targets of given indices, in that order.
/// Any source fits (tensors in memory, a Dataset converting bytes per batch, ...).
type Examples =
    { Count: int
      /// One example's shape without the batch, (C,H,W) for images.
      InputShape: int[]
      Gather: int[] -> Tensor * Targets }

module Examples =
    /// Rows of a tensor [N, ...] at the given indices, as a new tensor.
    let internal gatherRows (t: Tensor) (indices: int[]) =
        let n = t.Dims.[0]
        let row = if n = 0 then 0 else t.Numel / n
        let out = Kernels.Setup.zeroed (Shape.numel [| indices.Length; row |])
        indices |> Array.iteri (fun k i ->
            if i < 0 || i >= n then Fail.value "examples: index %d is outside 0..%d" i (n - 1)
            Array.blit t.Data (i * row) out (k * row) row)
        Tensor.wrap (Array.append [| indices.Length |] t.Dims.[1..]) out

    /// Examples held in memory: inputs [N, ...] and targets (N labels, or a tensor [N, ...]).
    let ofTensors (inputs: Tensor) (targets: Targets) : Examples =
        if inputs.Rank < 2 then Fail.shape "examples: inputs must be [N, ...] with a batch dimension first, got %s" (Shape.show inputs.Dims)
        let n = inputs.Dims.[0]
        match targets with
        | Labels l when l.Length <> n -> Fail.shape "examples: %d labels for %d inputs %s" l.Length n (Shape.show inputs.Dims)
        | Values t when t.Rank = 0 || t.Dims.[0] <> n -> Fail.shape "examples: targets %s do not have one row per input of %s" (Shape.show t.Dims) (Shape.show inputs.Dims)
        | _ -> ()
        let sameTensor = match targets with Values t -> obj.ReferenceEquals(t, inputs) | Labels _ -> false
        { Count = n
          InputShape = inputs.Dims.[1..]
          Gather = fun idx ->
            let x = gatherRows inputs idx
            x, (match targets with
                | Labels l -> Labels(idx |> Array.map (fun i -> l.[i]))
                | Values _ when sameTensor -> Values x
                | Values t -> Values(gatherRows t idx)) }

    /// A labelled image dataset: batches are made when gathered (bytes become v/255 then), so the
    /// dataset is never copied as a whole.
    let ofDataset (ds: FuncCnn.Core.Data.Dataset) : Examples =
        { Count = Data.Dataset.count ds
          InputShape = Array.copy ds.ImageShape
          Gather = fun idx -> Data.Dataset.toTensor idx ds, Labels(idx |> Array.map (fun i -> ds.Labels.[i])) }

    /// A dataset's images as their own targets (an autoencoder); tensors are made per batch.
    let reconstructionOfDataset (ds: FuncCnn.Core.Data.Dataset) : Examples =
        { Count = Data.Dataset.count ds
          InputShape = Array.copy ds.ImageShape
          Gather = fun idx -> let x = Data.Dataset.toTensor idx ds in x, Values x }

    /// Images [N,C,H,W] (NCHW) with their class labels.
    let labelled (inputs: Tensor) (labels: int[]) = ofTensors inputs (Labels(Array.copy labels))

    /// Inputs that are their own targets (an autoencoder).
    let autoencoder (inputs: Tensor) = ofTensors inputs (Values inputs)

    /// The examples at the given indices, in that order (no copy until gathered).
    let subset (indices: int[]) (ex: Examples) : Examples =
        let idx = Array.copy indices
        idx |> Array.iter (fun i -> if i < 0 || i >= ex.Count then Fail.value "examples: index %d is outside 0..%d" i (ex.Count - 1))
        { Count = idx.Length; InputShape = ex.InputShape; Gather = fun is -> ex.Gather(is |> Array.map (fun i -> idx.[i])) }

    /// The first n examples.
    let take (n: int) (ex: Examples) = subset (Array.init (min n ex.Count) id) ex

    /// Keras' validation split: (first part, last `fraction`) with the split at floor(count * (1 - fraction)).
    let split (fraction: float) (ex: Examples) =
        if not (fraction > 0.0 && fraction < 1.0) then Fail.value "validation split must be in (0, 1), got %g" fraction
        let at = int (floor (float ex.Count * (1.0 - fraction)))
        if at = 0 || at = ex.Count then Fail.value "validation split %g of %d examples leaves one part empty" fraction ex.Count
        subset (Array.init at id) ex, subset (Array.init (ex.Count - at) (fun i -> at + i)) ex

    /// Index batches over an order; the last partial batch is kept (like Keras).
    let batchIndices (batchSize: int) (order: int[]) : int[][] =
        if batchSize < 1 then Fail.value "batch size must be at least 1, got %d" batchSize
        order |> Array.chunkBySize batchSize
