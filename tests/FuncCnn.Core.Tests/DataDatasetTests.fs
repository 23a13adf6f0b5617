module FuncCnn.Core.Tests.DataDatasetTests

open Expecto
open FuncCnn.Core.Tests.TestUtil
open FuncCnn
open FuncCnn.Core
open FuncCnn.Core.Data

/// 10 images of 1x2x2, image i filled with byte 10*i, label i % 3.
let small () =
    Dataset.ofBytes "small" [| 2; 2 |] (Array.init 40 (fun p -> byte (10 * (p / 4)))) (Array.init 10 (fun i -> i % 3)) [| "a"; "b"; "c" |]

let firstPixels (b: Batch) = let d = b.Images.ToArray() in Array.init (d.Length / 4) (fun k -> d.[4 * k])

[<Tests>]
let tests =
    testList "DataDataset" [
        testCase "ofBytes keeps the shape as CHW and counts classes" <| fun () ->
            let ds = small ()
            Expect.equal ds.ImageShape ([| 1; 2; 2 |]) "ds.ImageShape"
            Expect.equal (Dataset.count ds) 10 "Dataset.count ds"
            Expect.equal (Dataset.classCounts ds) ([| 4; 3; 3 |]) "Dataset.classCounts ds"

        testCase "ofBytes and ofFloats reject a wrong length, bad labels and bad shapes" <| fun () ->
            let e = throws<ShapeException> (fun () -> Dataset.ofBytes "m" [| 2; 2 |] (Array.zeroCreate 7) [| 0; 1 |] [| "a"; "b" |] |> ignore)
            Expect.stringContains e.Message "need 8 pixel values, found 7" "e.Message"
            let e = throws<InvalidValueException> (fun () -> Dataset.ofBytes "m" [| 2; 2 |] (Array.zeroCreate 8) [| 0; 2 |] [| "a"; "b" |] |> ignore)
            Expect.stringContains e.Message "label 2 of image 1 is outside the class range 0..1" "e.Message"
            throws<ShapeException> (fun () -> Dataset.ofFloats "m" [| 4 |] (Array.zeroCreate 8) [| 0; 1 |] [| "a"; "b" |] |> ignore) |> ignore
            throws<InvalidValueException> (fun () -> Dataset.ofFloats "m" [| 1; 1 |] [| nanf |] [| 0 |] [| "a" |] |> ignore) |> ignore

        testCase "ofBytes copies its inputs" <| fun () ->
            let px = Array.create 4 7uy
            let ds = Dataset.ofBytes "m" [| 2; 2 |] px [| 0 |] [| "a" |]
            px.[0] <- 0uy
            Expect.equal ((Dataset.toTensor [| 0 |] ds).ToArray().[0]) (7.0f / 255.0f) "(Dataset.toTensor [| 0 |] ds).ToArray().[0]"

        testCase "batches scale bytes to [0,1] as NCHW and keep the last partial batch" <| fun () ->
            let ds = small ()
            let bs = Dataset.batches 4 ds |> Array.ofSeq
            Expect.equal (bs |> Array.map (fun b -> b.Labels.Length)) ([| 4; 4; 2 |]) "bs |> Array.map (fun b -> b.Labels.Length)"
            Expect.equal (bs.[0].Images.Shape) ([| 4; 1; 2; 2 |]) "bs.[0].Images.Shape"
            Expect.equal (bs.[2].Images.Shape) ([| 2; 1; 2; 2 |]) "bs.[2].Images.Shape"
            Expect.equal (bs.[2].Indices) ([| 8; 9 |]) "bs.[2].Indices"
            Expect.equal (firstPixels bs.[2]) ([| 80.0f / 255.0f; 90.0f / 255.0f |]) "firstPixels bs.[2]"
            Expect.equal (Dataset.batchCount 4 ds) 3 "Dataset.batchCount 4 ds"
            let full = Dataset.ofBytes "f" [| 1; 2 |] [| 0uy; 255uy |] [| 0 |] [| "a" |]
            Expect.equal ((Dataset.toTensor [| 0 |] full).ToArray()) ([| 0.0f; 1.0f |]) "(Dataset.toTensor [| 0 |] full).ToArray()"

        testCase "every byte value becomes float32 b / 255 exactly, in whole vectors and in a tail" <| fun () ->
            // 256 values in images of 37 pixels (vector widths and a remainder), in a gathered order
            let pixels = Array.init (8 * 37) (fun i -> byte ((i * 113) % 256))
            let ds = Dataset.ofBytes "all" [| 1; 37 |] pixels (Array.zeroCreate 8) [| "a" |]
            let order = [| 5; 0; 7; 2; 6; 1; 4; 3 |]
            let got = (Dataset.toTensor order ds).ToArray()
            for k in 0 .. order.Length - 1 do
                for j in 0 .. 36 do
                    let b = pixels.[order.[k] * 37 + j]
                    let expected = float32 b / 255.0f
                    if System.BitConverter.SingleToInt32Bits got.[k * 37 + j] <> System.BitConverter.SingleToInt32Bits expected then
                        failwithf "image %d pixel %d (byte %d): %g, expected %g" order.[k] j b got.[k * 37 + j] expected
            Expect.equal (set pixels).Count 256 "every byte value is covered"

        testCase "floats are batched as they are" <| fun () ->
            let ds = Dataset.ofFloats "f" [| 1; 1; 2 |] [| 0.5f; -2.0f; 3.0f; 4.0f |] [| 0; 0 |] [| "a" |]
            Expect.equal ((Dataset.toTensor [| 1; 0 |] ds).ToArray()) ([| 3.0f; 4.0f; 0.5f; -2.0f |]) "(Dataset.toTensor [| 1; 0 |] ds).ToArray()"

        testCase "shuffling is seeded and a permutation" <| fun () ->
            let ds = small ()
            let a = Dataset.shuffle (Rng.create 7L) ds
            let b = Dataset.shuffle (Rng.create 7L) ds
            let c = Dataset.shuffle (Rng.create 8L) ds
            Expect.equal b.Labels a.Labels "b.Labels"
            Expect.equal b.Pixels a.Pixels "b.Pixels"
            Expect.notEqual c.Pixels a.Pixels "c.Pixels"
            Expect.equal (Dataset.classCounts a) (Dataset.classCounts ds) "Dataset.classCounts a"
            let order = Dataset.shuffledBatches (Rng.create 7L) 3 ds |> Seq.collect (fun b -> b.Indices) |> Array.ofSeq
            Expect.equal (Array.sort order) (Array.init 10 id) "Array.sort order"
            // the batch images are the images the indices name
            for b in Dataset.shuffledBatches (Rng.create 3L) 4 ds do
                Expect.equal (firstPixels b) (b.Indices |> Array.map (fun i -> float32 (10 * i) / 255.0f)) "firstPixels b"
                Expect.equal b.Labels (b.Indices |> Array.map (fun i -> i % 3)) "b.Labels"

        testCase "split takes the validation set from the end like Keras" <| fun () ->
            let ds = small ()
            let train, valid = Dataset.split 0.25 ds
            // Keras: split_at = int(10 * (1 - 0.25)) = 7
            Expect.equal (Dataset.count train) 7 "Dataset.count train"
            Expect.equal valid.Labels ([| 7 % 3; 8 % 3; 9 % 3 |]) "valid.Labels"
            Expect.equal (Dataset.batches 10 valid |> Seq.head |> firstPixels) ([| 70.0f / 255.0f; 80.0f / 255.0f; 90.0f / 255.0f |]) "Dataset.batches 10 valid |> Seq.head |> firstPixels"
            let t, v = Dataset.split 0.1 (Dataset.ofBytes "big" [| 1; 1 |] (Array.zeroCreate 60000) (Array.zeroCreate 60000) [| "a" |])
            Expect.equal ((Dataset.count t, Dataset.count v)) ((54000, 6000)) "(Dataset.count t, Dataset.count v)"
            throws<InvalidValueException> (fun () -> Dataset.split 1.5 ds |> ignore) |> ignore

        testCase "stratifiedSplit keeps class proportions and is seeded" <| fun () ->
            let labels = Array.init 300 (fun i -> if i < 200 then 0 else if i < 290 then 1 else 2)
            let ds = Dataset.ofBytes "pool" [| 1; 1 |] (Array.init 300 byte) labels [| "a"; "b"; "c" |]
            let train, test = Dataset.stratifiedSplit (Rng.create 1L) 0.2 ds
            Expect.equal (Dataset.classCounts test) ([| 40; 18; 2 |]) "Dataset.classCounts test"
            Expect.equal (Dataset.classCounts train) ([| 160; 72; 8 |]) "Dataset.classCounts train"
            let train2, _ = Dataset.stratifiedSplit (Rng.create 1L) 0.2 ds
            Expect.equal train2.Pixels train.Pixels "train2.Pixels"
            // disjoint and complete
            let pix d = match d.Pixels with Bytes b -> b | Floats _ -> failwith "bytes expected"
            Expect.equal (Array.append (pix train) (pix test) |> Array.sort) (Array.init 300 byte |> Array.sort) "Array.append (pix train) (pix test) |> Array.sort"

        testCase "subset, take and bad indices" <| fun () ->
            let ds = small ()
            Expect.equal ((Dataset.take 3 ds).Labels) ([| 0; 1; 2 |]) "(Dataset.take 3 ds).Labels"
            Expect.equal (Dataset.count (Dataset.take 100 ds)) 10 "Dataset.count (Dataset.take 100 ds)"
            throws<InvalidValueException> (fun () -> Dataset.subset [| 10 |] ds |> ignore) |> ignore
            throws<InvalidValueException> (fun () -> Dataset.batches 0 ds |> ignore) |> ignore

        testCase "letters: O and X with their one-pixel shifts" <| fun () ->
            let ds = Letters.dataset ()
            Expect.equal ds.ClassNames ([| "O"; "X" |]) "ds.ClassNames"
            Expect.equal (Dataset.classCounts ds) ([| 5; 5 |]) "Dataset.classCounts ds"
            Expect.equal ds.ImageShape ([| 1; 6; 6 |]) "ds.ImageShape"
            let img i = (Dataset.image i ds).ToArray()
            // every image has its glyph's full ink (8 pixels), all ten are different
            for i in 0 .. 9 do Expect.equal (Array.sum (img i)) 8.0f "Array.sum (img i)"
            Expect.equal (Array.init 10 img |> Array.distinct |> Array.length) 10 "Array.init 10 img |> Array.distinct |> Array.length"
            // "up" is the centred O moved one row up
            let centre, up = img 0, img 1
            for p in 0 .. 29 do Expect.equal (up.[p]) (centre.[p + 6]) "up.[p]"

        testCase "class counts of a hand-built record with a label out of range name it" <| fun () ->
            let ds = { Name = "hand"; Pixels = Bytes(Array.zeroCreate 8); ImageShape = [| 1; 2; 2 |]; Labels = [| 0; 3 |]; ClassNames = [| "a"; "b" |] }
            let e = throws<InvalidValueException> (fun () -> Dataset.classCounts ds |> ignore)
            Expect.stringContains e.Message "label 3 at index 1" "e.Message"

        testCase "sample: stratified, seeded, mixed, one per class while it fits" <| fun () ->
            // sorted by class, as QuickDraw's files: 50 a, 30 b, 20 c
            let labels = Array.init 100 (fun i -> if i < 50 then 0 elif i < 80 then 1 else 2)
            let ds = Dataset.ofBytes "sorted" [| 1; 1 |] (Array.zeroCreate 100) labels [| "a"; "b"; "c" |]
            let s = Dataset.sample (Rng.create 4L) 10 ds
            Expect.equal (Dataset.classCounts s) [| 5; 3; 2 |] "proportional"
            Expect.equal (Dataset.sample (Rng.create 4L) 10 ds).Labels s.Labels "seeded"
            Expect.notEqual s.Labels (Array.sort s.Labels) "mixed"
            Expect.equal (Dataset.classCounts (Dataset.sample (Rng.create 1L) 3 ds)) [| 1; 1; 1 |] "one each"
            Expect.equal (Dataset.classCounts (Dataset.sample (Rng.create 1L) 4 ds)) [| 2; 1; 1 |] "then by size"
            Expect.equal (Dataset.count (Dataset.sample (Rng.create 1L) 500 ds)) 100 "all of them"

        testCase "split rounds: the fraction is the validation part" <| fun () ->
            let ds = Dataset.ofBytes "k" [| 1; 1 |] (Array.zeroCreate 1000) (Array.zeroCreate 1000) [| "x" |]
            let count (a, b) = Dataset.count a, Dataset.count b
            Expect.equal (count (Dataset.split 0.8 ds)) (200, 800) "0.8"
            Expect.equal (count (Dataset.split 0.2 ds)) (800, 200) "0.2"
            Expect.equal (count (Dataset.split 0.7 ds)) (300, 700) "0.7"

        testCase "selectClasses keeps and relabels the named classes" <| fun () ->
            let ds = small ()
            let bc = Dataset.selectClasses [| "c"; "a" |] ds
            Expect.equal bc.ClassNames [| "c"; "a" |] "names"
            Expect.equal bc.Labels [| 1; 0; 1; 0; 1; 0; 1 |] "labels in the new order"
            throws<InvalidValueException> (fun () -> Dataset.selectClasses [| "z" |] ds |> ignore) |> ignore

        testCase "the from-scratch notebook's letters, exactly" <| fun () ->
            let ds = NotebookLetters.trainingSet ()
            Expect.equal ds.Labels [| 0; 0; 1; 1 |] "labels"
            let img i = (Dataset.image i ds).ToArray()
            Expect.equal (img 0) (NotebookLetters.o |> Array.concat |> Array.map float32) "O"
            Expect.equal (img 2) (NotebookLetters.x |> Array.concat |> Array.map float32) "X"
            // the notebook's create_shifted_o(shift_right=1), first row: [0, 0, 0, 1, 1, 1]
            Expect.equal (img 1).[0..5] [| 0.0f; 0.0f; 0.0f; 1.0f; 1.0f; 1.0f |] "shifted O, row 0"
    ]
