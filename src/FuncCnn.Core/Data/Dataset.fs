namespace FuncCnn.Core.Data

open FuncCnn

open FuncCnn.Core
open System
/// The pixels of a dataset, all images back to back (image i starts at i * C*H*W).
/// Bytes (0-255) stay bytes in memory and are scaled to [0,1] only when a batch is made;
/// floats are used as they are.
type Pixels =
    | Bytes of byte[]
    | Floats of float32[]

/// A labelled image dataset. Treat it as immutable: every function here returns a new one and
/// never writes into the arrays of its argument.
type Dataset =
    { /// A name for reports and error messages ("mnist/train").
      Name: string
      /// All images back to back, row-major, each of ImageShape.
      Pixels: Pixels
      /// The shape of one image, (C,H,W).
      ImageShape: int[]
      /// One label per image, each in 0 .. ClassNames.Length-1.
      Labels: int[]
      /// The name of each class, indexed by label.
      ClassNames: string[] }

/// A batch ready for a model: images as an (N,C,H,W) float32 tensor, their labels, and the
/// indices of the images in the dataset the batch was taken from.
type Batch =
    { Images: Tensor
      Labels: int[]
      Indices: int[] }

/// Pure functions over datasets: counting, subsets, shuffles, splits and batches.
module Dataset =
    /// Number of images.
    let count (ds: Dataset) = ds.Labels.Length

    /// Number of values in one image (C*H*W).
    let imageSize (ds: Dataset) = Shape.numel ds.ImageShape

    /// Number of classes.
    let numClasses (ds: Dataset) = ds.ClassNames.Length

    /// How many images each class has, indexed by label (for the class histogram).
    let classCounts (ds: Dataset) =
        let counts = Array.zeroCreate ds.ClassNames.Length
        for i in 0 .. ds.Labels.Length - 1 do
            let l = ds.Labels.[i]
            // a record built by hand skips validation, so say which label does not fit
            if l < 0 || l >= counts.Length then
                Fail.value "dataset %s: label %d at index %d is outside the %d classes" ds.Name l i counts.Length
            counts.[l] <- counts.[l] + 1
        counts

    /// Checks shape, pixel count, labels and class names, failing with ShapeException or
    /// InvalidValueException naming the dataset and what was expected vs found.
    let internal validate (ds: Dataset) =
        let shp = ds.ImageShape
        if shp.Length <> 3 || shp |> Array.exists (fun d -> d <= 0) then
            Fail.shape "dataset %s: the image shape must be (C,H,W) with positive sizes (NCHW), got %s" ds.Name (Shape.show shp)
        let size = int64 (Shape.numel shp)
        let pixels = match ds.Pixels with Bytes b -> int64 b.Length | Floats f -> int64 f.Length
        let expected = size * int64 ds.Labels.Length
        if pixels <> expected then
            Fail.shape "dataset %s: %d labels of images of shape %s need %d pixel values, found %d" ds.Name ds.Labels.Length (Shape.show shp) expected pixels
        let k = ds.ClassNames.Length
        if k = 0 then Fail.value "dataset %s: at least one class name is needed" ds.Name
        if isNull (box ds.ClassNames) || ds.ClassNames |> Array.exists isNull then Fail.value "dataset %s: a class name is null" ds.Name
        ds.Labels |> Array.iteri (fun i l ->
            if l < 0 || l >= k then Fail.value "dataset %s: label %d of image %d is outside the class range 0..%d" ds.Name l i (k - 1))
        match ds.Pixels with
        | Floats f ->
            match Array.tryFindIndex (fun (v: float32) -> not (Single.IsFinite v)) f with
            | Some i -> Fail.value "dataset %s: pixel value %d is %g (not finite)" ds.Name i f.[i]
            | None -> ()
        | Bytes _ -> ()
        ds

    let private normalizeShape (name: string) (shape: int[]) =
        if isNull shape then Fail.shape "dataset %s: the image shape is null" name
        match shape with
        | [| h; w |] -> [| 1; h; w |]
        | [| _; _; _ |] -> Array.copy shape
        | _ -> Fail.shape "dataset %s: the image shape must be (H,W) or (C,H,W) (NCHW), got %s" name (Shape.show shape)

    let private nullCheck (name: string) (what: string) (o: obj) =
        if isNull o then Fail.value "dataset %s: %s is null" name what

    /// A dataset from bytes in memory (0-255, e.g. pixels a C# app hands in). The image shape is
    /// (H,W) or (C,H,W); pixels hold count*C*H*W bytes; labels lie in 0 .. classNames.Length-1.
    /// The arrays are copied, so the caller may reuse them.
    let ofBytes (name: string) (imageShape: int[]) (pixels: byte[]) (labels: int[]) (classNames: string[]) =
        nullCheck name "the pixel array" pixels; nullCheck name "the label array" labels; nullCheck name "the class name array" classNames
        validate { Name = name; Pixels = Bytes(Array.copy pixels); ImageShape = normalizeShape name imageShape
                   Labels = Array.copy labels; ClassNames = Array.copy classNames }

    /// A dataset from floats in memory, used as they are (no scaling). Same rules as ofBytes;
    /// every value must be finite.
    let ofFloats (name: string) (imageShape: int[]) (pixels: float32[]) (labels: int[]) (classNames: string[]) =
        nullCheck name "the pixel array" pixels; nullCheck name "the label array" labels; nullCheck name "the class name array" classNames
        validate { Name = name; Pixels = Floats(Array.copy pixels); ImageShape = normalizeShape name imageShape
                   Labels = Array.copy labels; ClassNames = Array.copy classNames }

    let private checkIndex (op: string) (ds: Dataset) (i: int) =
        if i < 0 || i >= ds.Labels.Length then
            Fail.value "%s: index %d is outside dataset %s (0..%d)" op i ds.Name (ds.Labels.Length - 1)

    /// The images at the given indices, in that order, as a new compact dataset.
    let subset (indices: int[]) (ds: Dataset) =
        let size = imageSize ds
        indices |> Array.iter (checkIndex "subset" ds)
        let gather (src: 'T[]) =
            let dst = Array.zeroCreate (Shape.numel [| indices.Length; size |])
            indices |> Array.iteri (fun k i -> Array.blit src (i * size) dst (k * size) size)
            dst
        { ds with
            Pixels = (match ds.Pixels with Bytes b -> Bytes(gather b) | Floats f -> Floats(gather f))
            Labels = indices |> Array.map (fun i -> ds.Labels.[i]) }

    /// The first n images (all of them when there are fewer).
    let take (n: int) (ds: Dataset) =
        if n < 0 then Fail.value "take: count must be non-negative, got %d" n
        subset (Array.init (min n (count ds)) id) ds

    /// The images in a seeded random order.
    let shuffle (rng: Rng) (ds: Dataset) = subset (Rng.permutation (count ds) rng) ds

    /// Splits off the last fraction of the images as a validation set, as Keras' `validation_split`
    /// does (before any shuffling). The fraction is the size of the validation (second) part:
    /// it gets round(count * fraction) images (half away from zero), the training part the rest,
    /// so 1,000 images split 0.2 give 800 + 200. Returns (train, validation).
    let split (validationFraction: float) (ds: Dataset) =
        if not (validationFraction >= 0.0 && validationFraction <= 1.0) then
            Fail.value "split: the validation fraction must be in [0,1], got %g" validationFraction
        let n = count ds
        let at = n - int (Math.Round(float n * validationFraction, MidpointRounding.AwayFromZero))
        let train = subset (Array.init at id) ds
        let valid = subset (Array.init (n - at) (fun i -> at + i)) ds
        { train with Name = ds.Name + "/train" }, { valid with Name = ds.Name + "/validation" }

    /// A stratified split for datasets that come as one pool (QuickDraw): from each class a
    /// seeded random round(count * fraction) images go to the test set, the rest to training.
    /// Both parts keep the original order of the images. Returns (train, test).
    let stratifiedSplit (rng: Rng) (testFraction: float) (ds: Dataset) =
        if not (testFraction >= 0.0 && testFraction <= 1.0) then
            Fail.value "stratifiedSplit: the test fraction must be in [0,1], got %g" testFraction
        let keys = Rng.splitN (numClasses ds) rng
        let isTest = Array.zeroCreate (count ds)
        ds.Labels
        |> Array.indexed
        |> Array.groupBy snd
        |> Array.iter (fun (label, members) ->
            let idx = members |> Array.map fst
            let nTest = int (Math.Round(float idx.Length * testFraction, MidpointRounding.AwayFromZero))
            let perm = Rng.permutation idx.Length keys.[label]
            for k in 0 .. nTest - 1 do isTest.[idx.[perm.[k]]] <- true)
        let pick want = [| for i in 0 .. isTest.Length - 1 do if isTest.[i] = want then yield i |]
        { subset (pick false) ds with Name = ds.Name + "/train" }, { subset (pick true) ds with Name = ds.Name + "/test" }

    /// A seeded stratified sample of n images (all of them, shuffled, when n >= count): each class
    /// gets a share proportional to its size, at least one image while n allows one per class, and
    /// the sample comes in a seeded random order. A test subset taken this way covers every class
    /// even when the dataset is sorted by class (QuickDraw), unlike `take`.
    let sample (rng: Rng) (n: int) (ds: Dataset) =
        if n < 0 then Fail.value "sample: the count must be non-negative, got %d" n
        let total = count ds
        let k = numClasses ds
        let keys = Rng.splitN (k + 1) rng
        let members = Array.init k (fun _ -> Collections.Generic.List<int>())
        ds.Labels |> Array.iteri (fun i l -> members.[l].Add i)
        let quota =
            if n >= total then members |> Array.map (fun m -> m.Count)
            else
                let present = members |> Array.filter (fun m -> m.Count > 0) |> Array.length
                let floorShare = Array.init k (fun c -> if members.[c].Count = 0 then 0 else max (if n >= present then 1 else 0) (n * members.[c].Count / total))
                // hand out what is left (or take back the excess of the minimums) by largest remainder
                let q = Array.copy floorShare
                let mutable left = n - Array.sum q
                let byRemainder =
                    Array.init k id
                    |> Array.sortByDescending (fun c -> (float n * float members.[c].Count / float total) - float q.[c], -c)
                let mutable j = 0
                while left > 0 do
                    let c = byRemainder.[j % k]
                    if q.[c] < members.[c].Count then (q.[c] <- q.[c] + 1; left <- left - 1)
                    j <- j + 1
                let byExcess = byRemainder |> Array.rev
                j <- 0
                while left < 0 do
                    let c = byExcess.[j % k]
                    if q.[c] > 1 then (q.[c] <- q.[c] - 1; left <- left + 1)
                    j <- j + 1
                q
        let picked =
            [| for c in 0 .. k - 1 do
                 let m = members.[c].ToArray()
                 let perm = Rng.permutation m.Length keys.[c]
                 for j in 0 .. quota.[c] - 1 do yield m.[perm.[j]] |]
        let order = Rng.permutation picked.Length keys.[k]
        subset (order |> Array.map (fun i -> picked.[i])) ds

    /// The images of the named classes only, relabelled in the given order (label i = classes.[i]),
    /// keeping the dataset's order. An unknown or repeated name fails, listing the classes there are.
    let selectClasses (classes: string[]) (ds: Dataset) =
        if isNull classes || classes.Length = 0 then Fail.value "selectClasses: give at least one class of dataset %s" ds.Name
        classes |> Array.countBy id |> Array.tryFind (fun (_, n) -> n > 1)
        |> Option.iter (fun (c, _) -> Fail.value "selectClasses: class '%s' is named twice" c)
        let newLabel =
            ds.ClassNames |> Array.map (fun name -> match Array.tryFindIndex ((=) name) classes with Some i -> i | None -> -1)
        for c in classes do
            if not (Array.contains c ds.ClassNames) then
                Fail.value "dataset %s has no class '%s'; its classes are: %s" ds.Name c (String.Join(", ", ds.ClassNames))
        let kept = [| for i in 0 .. ds.Labels.Length - 1 do if newLabel.[ds.Labels.[i]] >= 0 then yield i |]
        let part = subset kept ds
        { part with Labels = part.Labels |> Array.map (fun l -> newLabel.[l]); ClassNames = Array.copy classes }

    /// The images at the given indices as one (N,C,H,W) float32 tensor; bytes become v/255.
    let toTensor (indices: int[]) (ds: Dataset) =
        let size = imageSize ds
        indices |> Array.iter (checkIndex "toTensor" ds)
        // from the step's workspace when a fit loop gathers its batch; every element is written below
        let out: float32[] = Kernels.Setup.uninitialized (Shape.numel [| indices.Length; size |])
        match ds.Pixels with
        | Bytes px ->
            // float32 b / 255 on whole vectors (the same correctly rounded division as one at a
            // time), images split over the cores: a table lookup per pixel on one thread was
            // 0.16 s of a one-epoch `funccnn train` while the other core waited
            Kernels.Setup.parallelFor indices.Length (int64 indices.Length * int64 size >= 16_384L) (fun k ->
                let dst = Span<float32>(out, k * size, size)
                Numerics.Tensors.TensorPrimitives.ConvertChecked<byte, float32>(ReadOnlySpan<byte>(px, indices.[k] * size, size), dst)
                Numerics.Tensors.TensorPrimitives.Divide(Span<float32>.op_Implicit dst, 255.0f, dst))
        | Floats px ->
            for k in 0 .. indices.Length - 1 do
                Array.blit px (indices.[k] * size) out (k * size) size
        Tensor.wrap (Array.append [| indices.Length |] ds.ImageShape) out

    /// One image as a (C,H,W) float32 tensor.
    let image (index: int) (ds: Dataset) =
        let t = toTensor [| index |] ds
        Tensor.wrap (Array.copy ds.ImageShape) t.Data

    /// Batches over the images in the given order; the last partial batch is kept (like Keras).
    /// Each batch's tensor is made when the sequence reaches it.
    let batchesOf (order: int[]) (batchSize: int) (ds: Dataset) : seq<Batch> =
        if batchSize <= 0 then Fail.value "batches: the batch size must be positive, got %d" batchSize
        order |> Array.iter (checkIndex "batches" ds)
        let order = Array.copy order
        seq {
            for start in 0 .. batchSize .. order.Length - 1 do
                let idx = order.[start .. min order.Length (start + batchSize) - 1]
                yield { Images = toTensor idx ds; Labels = idx |> Array.map (fun i -> ds.Labels.[i]); Indices = idx }
        }

    /// Batches in the dataset's order, the last partial batch kept.
    let batches (batchSize: int) (ds: Dataset) = batchesOf (Array.init (count ds) id) batchSize ds

    /// Batches in a seeded random order (a new permutation per seed; the dataset is not copied).
    let shuffledBatches (rng: Rng) (batchSize: int) (ds: Dataset) = batchesOf (Rng.permutation (count ds) rng) batchSize ds

    /// Number of batches an epoch has (the last partial one counted).
    let batchCount (batchSize: int) (ds: Dataset) =
        if batchSize <= 0 then Fail.value "batchCount: the batch size must be positive, got %d" batchSize
        (count ds + batchSize - 1) / batchSize
