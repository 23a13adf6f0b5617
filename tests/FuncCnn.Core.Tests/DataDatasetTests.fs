module FuncCnn.Core.Tests.DataDatasetTests

open Xunit
open FuncCnn
open FuncCnn.Core
open FuncCnn.Core.Data

/// 10 images of 1x2x2, image i filled with byte 10*i, label i % 3.
let small () =
    Dataset.ofBytes "small" [| 2; 2 |] (Array.init 40 (fun p -> byte (10 * (p / 4)))) (Array.init 10 (fun i -> i % 3)) [| "a"; "b"; "c" |]

let firstPixels (b: Batch) = let d = b.Images.ToArray() in Array.init (d.Length / 4) (fun k -> d.[4 * k])

[<Fact>]
let ``ofBytes keeps the shape as CHW and counts classes`` () =
    let ds = small ()
    Assert.Equal<int[]>([| 1; 2; 2 |], ds.ImageShape)
    Assert.Equal(10, Dataset.count ds)
    Assert.Equal<int[]>([| 4; 3; 3 |], Dataset.classCounts ds)

[<Fact>]
let ``ofBytes and ofFloats reject a wrong length, bad labels and bad shapes`` () =
    let e = Assert.Throws<ShapeException>(fun () -> Dataset.ofBytes "m" [| 2; 2 |] (Array.zeroCreate 7) [| 0; 1 |] [| "a"; "b" |] |> ignore)
    Assert.Contains("need 8 pixel values, found 7", e.Message)
    let e = Assert.Throws<InvalidValueException>(fun () -> Dataset.ofBytes "m" [| 2; 2 |] (Array.zeroCreate 8) [| 0; 2 |] [| "a"; "b" |] |> ignore)
    Assert.Contains("label 2 of image 1 is outside the class range 0..1", e.Message)
    Assert.Throws<ShapeException>(fun () -> Dataset.ofFloats "m" [| 4 |] (Array.zeroCreate 8) [| 0; 1 |] [| "a"; "b" |] |> ignore) |> ignore
    Assert.Throws<InvalidValueException>(fun () -> Dataset.ofFloats "m" [| 1; 1 |] [| nanf |] [| 0 |] [| "a" |] |> ignore) |> ignore

[<Fact>]
let ``ofBytes copies its inputs`` () =
    let px = Array.create 4 7uy
    let ds = Dataset.ofBytes "m" [| 2; 2 |] px [| 0 |] [| "a" |]
    px.[0] <- 0uy
    Assert.Equal(7.0f / 255.0f, (Dataset.toTensor [| 0 |] ds).ToArray().[0])

[<Fact>]
let ``batches scale bytes to [0,1] as NCHW and keep the last partial batch`` () =
    let ds = small ()
    let bs = Dataset.batches 4 ds |> Array.ofSeq
    Assert.Equal<int[]>([| 4; 4; 2 |], bs |> Array.map (fun b -> b.Labels.Length))
    Assert.Equal<int[]>([| 4; 1; 2; 2 |], bs.[0].Images.Shape)
    Assert.Equal<int[]>([| 2; 1; 2; 2 |], bs.[2].Images.Shape)
    Assert.Equal<int[]>([| 8; 9 |], bs.[2].Indices)
    Assert.Equal<float32[]>([| 80.0f / 255.0f; 90.0f / 255.0f |], firstPixels bs.[2])
    Assert.Equal(3, Dataset.batchCount 4 ds)
    let full = Dataset.ofBytes "f" [| 1; 2 |] [| 0uy; 255uy |] [| 0 |] [| "a" |]
    Assert.Equal<float32[]>([| 0.0f; 1.0f |], (Dataset.toTensor [| 0 |] full).ToArray())

[<Fact>]
let ``floats are batched as they are`` () =
    let ds = Dataset.ofFloats "f" [| 1; 1; 2 |] [| 0.5f; -2.0f; 3.0f; 4.0f |] [| 0; 0 |] [| "a" |]
    Assert.Equal<float32[]>([| 3.0f; 4.0f; 0.5f; -2.0f |], (Dataset.toTensor [| 1; 0 |] ds).ToArray())

[<Fact>]
let ``shuffling is seeded and a permutation`` () =
    let ds = small ()
    let a = Dataset.shuffle (Rng.create 7L) ds
    let b = Dataset.shuffle (Rng.create 7L) ds
    let c = Dataset.shuffle (Rng.create 8L) ds
    Assert.Equal<int[]>(a.Labels, b.Labels)
    Assert.Equal(a.Pixels, b.Pixels)
    Assert.NotEqual(a.Pixels, c.Pixels)
    Assert.Equal<int[]>(Dataset.classCounts ds, Dataset.classCounts a)
    let order = Dataset.shuffledBatches (Rng.create 7L) 3 ds |> Seq.collect (fun b -> b.Indices) |> Array.ofSeq
    Assert.Equal<int[]>(Array.init 10 id, Array.sort order)
    // the batch images are the images the indices name
    for b in Dataset.shuffledBatches (Rng.create 3L) 4 ds do
        Assert.Equal<float32[]>(b.Indices |> Array.map (fun i -> float32 (10 * i) / 255.0f), firstPixels b)
        Assert.Equal<int[]>(b.Indices |> Array.map (fun i -> i % 3), b.Labels)

[<Fact>]
let ``split takes the validation set from the end like Keras`` () =
    let ds = small ()
    let train, valid = Dataset.split 0.25 ds
    // Keras: split_at = int(10 * (1 - 0.25)) = 7
    Assert.Equal(7, Dataset.count train)
    Assert.Equal<int[]>([| 7 % 3; 8 % 3; 9 % 3 |], valid.Labels)
    Assert.Equal<float32[]>([| 70.0f / 255.0f; 80.0f / 255.0f; 90.0f / 255.0f |], Dataset.batches 10 valid |> Seq.head |> firstPixels)
    let t, v = Dataset.split 0.1 (Dataset.ofBytes "big" [| 1; 1 |] (Array.zeroCreate 60000) (Array.zeroCreate 60000) [| "a" |])
    Assert.Equal((54000, 6000), (Dataset.count t, Dataset.count v))
    Assert.Throws<InvalidValueException>(fun () -> Dataset.split 1.5 ds |> ignore) |> ignore

[<Fact>]
let ``stratifiedSplit keeps class proportions and is seeded`` () =
    let labels = Array.init 300 (fun i -> if i < 200 then 0 else if i < 290 then 1 else 2)
    let ds = Dataset.ofBytes "pool" [| 1; 1 |] (Array.init 300 byte) labels [| "a"; "b"; "c" |]
    let train, test = Dataset.stratifiedSplit (Rng.create 1L) 0.2 ds
    Assert.Equal<int[]>([| 40; 18; 2 |], Dataset.classCounts test)
    Assert.Equal<int[]>([| 160; 72; 8 |], Dataset.classCounts train)
    let train2, _ = Dataset.stratifiedSplit (Rng.create 1L) 0.2 ds
    Assert.Equal(train.Pixels, train2.Pixels)
    // disjoint and complete
    let pix d = match d.Pixels with Bytes b -> b | Floats _ -> failwith "bytes expected"
    Assert.Equal<byte[]>(Array.init 300 byte |> Array.sort, Array.append (pix train) (pix test) |> Array.sort)

[<Fact>]
let ``subset, take and bad indices`` () =
    let ds = small ()
    Assert.Equal<int[]>([| 0; 1; 2 |], (Dataset.take 3 ds).Labels)
    Assert.Equal(10, Dataset.count (Dataset.take 100 ds))
    Assert.Throws<InvalidValueException>(fun () -> Dataset.subset [| 10 |] ds |> ignore) |> ignore
    Assert.Throws<InvalidValueException>(fun () -> Dataset.batches 0 ds |> ignore) |> ignore

[<Fact>]
let ``letters: O and X with their one-pixel shifts`` () =
    let ds = Letters.dataset ()
    Assert.Equal<string[]>([| "O"; "X" |], ds.ClassNames)
    Assert.Equal<int[]>([| 5; 5 |], Dataset.classCounts ds)
    Assert.Equal<int[]>([| 1; 6; 6 |], ds.ImageShape)
    let img i = (Dataset.image i ds).ToArray()
    // every image has its glyph's full ink (8 pixels), all ten are different
    for i in 0 .. 9 do Assert.Equal(8.0f, Array.sum (img i))
    Assert.Equal(10, Array.init 10 img |> Array.distinct |> Array.length)
    // "up" is the centred O moved one row up
    let centre, up = img 0, img 1
    for p in 0 .. 29 do Assert.Equal(centre.[p + 6], up.[p])

[<Fact>]
let ``class counts of a hand-built record with a label out of range name it`` () =
    let ds = { Name = "hand"; Pixels = Bytes(Array.zeroCreate 8); ImageShape = [| 1; 2; 2 |]; Labels = [| 0; 3 |]; ClassNames = [| "a"; "b" |] }
    let e = Assert.Throws<InvalidValueException>(fun () -> Dataset.classCounts ds |> ignore)
    Assert.Contains("label 3 at index 1", e.Message)
