module FuncCnn.Core.Tests.DataRealTests

open System
open System.IO
open Expecto
open FuncCnn.Core.Tests.TestUtil
open FuncCnn
open FuncCnn.Core
open FuncCnn.Core.Data
open FuncCnn.Core.Tests.DataTestUtil

let quickdrawCounts =
    [ for c in [ "airplane"; "banana"; "bird"; "book"; "cat"; "clock"; "dog"; "flower"; "house"; "rainbow" ] -> c, 3999
      for c in [ "apple"; "bicycle"; "diamond"; "eye"; "fish" ] -> c, 3000
      for c in [ "cloud"; "horse"; "house_plant"; "smiley_face"; "train" ] -> c, 1000 ]
    |> List.sortWith (fun (a, _) (b, _) -> String.CompareOrdinal(a, b))

[<Tests>]
let tests =
    testList "DataReal" [
        testCase "MNIST from the shared folder: counts, first labels and training label counts" <| fun () ->
            let train, test = Mnist.load (Some mnistDir)
            Expect.equal (Dataset.count train) 60000 "Dataset.count train"
            Expect.equal (Dataset.count test) 10000 "Dataset.count test"
            Expect.equal (train.Labels.[0..4]) ([| 5; 0; 4; 1; 9 |]) "train.Labels.[0..4]"
            Expect.equal (Dataset.classCounts train) ([| 5923; 6742; 5958; 6131; 5842; 5421; 5918; 6265; 5851; 5949 |]) "Dataset.classCounts train"
            Expect.equal train.ImageShape ([| 1; 28; 28 |]) "train.ImageShape"
            // bytes in memory, 47 MB for the training set
            match train.Pixels with
            | Bytes b -> Expect.equal b.Length (60000 * 784) "b.Length"
            | Floats _ -> failwith "MNIST should stay bytes"
            let batch = Dataset.batches 128 train |> Seq.head
            Expect.equal batch.Images.Shape ([| 128; 1; 28; 28 |]) "batch.Images.Shape"
            let v = batch.Images.ToArray()
            Expect.isTrue (Array.forall (fun x -> x >= 0.0f && x <= 1.0f) v) "Array.forall (fun x -> x >= 0.0f && x <= 1.0f) v"
            Expect.equal (Array.max v) 1.0f "Array.max v"

        testCase "MNIST is found through the repository root without a path" <| fun () ->
            // the test runs inside the repository, whose ../shared/datasets holds mnist
            let env = { DataLocator.environment () with WorkingDirectory = AppContext.BaseDirectory; GetVariable = fun _ -> None }
            match DataLocator.locateIn env Mnist.spec None with
            | Ok dir -> Expect.equal dir (Path.GetFullPath mnistDir) "dir"
            | Error e -> failwith e

        testCase "the locator: explicit path wins, then FUNCCNN_DATA, and misses list every place" <| fun () ->
            use temp = new TempDir("locate")
            let root = temp.Path
            let fake = Directory.CreateDirectory(Path.Combine(root, "mnist")).FullName
            for s in [ "train-images-idx3-ubyte"; "train-labels-idx1-ubyte"; "t10k-images-idx3-ubyte.gz"; "t10k-labels-idx1-ubyte" ] do
                write fake s [||] |> ignore
            let env var = { WorkingDirectory = AppContext.BaseDirectory; GetVariable = fun v -> if v = "FUNCCNN_DATA" then var else None }
            Expect.equal (DataLocator.locateIn (env (Some root)) Mnist.spec None) (Ok fake) "DataLocator.locateIn (env (Some root)) Mnist.spec None"
            Expect.equal (DataLocator.locateIn (env (Some root)) Mnist.spec (Some mnistDir)) (Ok(Path.GetFullPath mnistDir)) "DataLocator.locateIn (env (Some root)) Mnist.spec (Some mnistDir)"
            // an explicit path that does not hold the data is an error, never a silent fallback
            match DataLocator.locateIn (env (Some root)) Mnist.spec (Some root) with
            | Ok p -> failwithf "found %s" p
            | Error msg ->
                Expect.stringContains msg (root + " (the explicit path): the folder lacks the files") "msg"
                Expect.isFalse (msg.Contains("FUNCCNN_DATA/": string)) "msg lacks \"FUNCCNN_DATA/\""
            // nothing anywhere: every place and how to get it
            // (the system folder is redirected into the temp dir: whether this machine has Debian's
            // dataset-fashion-mnist installed must not change the outcome)
            let nowhere = { WorkingDirectory = Path.GetPathRoot root; GetVariable = fun v -> if v = "FUNCCNN_DATA" then Some root else None }
            Expect.equal FashionMnist.spec.SystemFolders ([ "/usr/share/datasets/fashion-mnist" ]) "FashionMnist.spec.SystemFolders"
            let systemFolder = Path.Combine(root, "usr-share", "fashion-mnist")
            match DataLocator.locateIn nowhere { FashionMnist.spec with SystemFolders = [ systemFolder ] } None with
            | Ok p -> failwithf "found %s" p
            | Error msg ->
                Expect.stringContains msg (Path.Combine(root, "fashion-mnist") + " ($FUNCCNN_DATA/fashion-mnist): no such folder") "msg"
                Expect.stringContains msg (systemFolder + " (the system folder)") "msg"
                Expect.stringContains msg "no FuncCnn repository above" "msg"
                Expect.stringContains msg "apt-get install -y dataset-fashion-mnist" "msg"
            let e = throwsData [ "dataset mnist not found"; "FUNCCNN_DATA" ] (fun () -> Mnist.load (Some(Path.Combine(root, "nope"))))
            Expect.stringContains e.Message "no such folder" "e.Message"

        testCase "FUNCCNN_SYSTEM_DATA moves the system folders, and a dataset found there is used" <| fun () ->
            use temp = new TempDir("system")
            let root = temp.Path
            let vars = Map [ "FUNCCNN_DATA", Path.Combine(root, "user"); "FUNCCNN_SYSTEM_DATA", Path.Combine(root, "system") ]
            let env = { WorkingDirectory = Path.GetPathRoot root; GetVariable = fun v -> Map.tryFind v vars }
            let moved = Path.Combine(root, "system", "fashion-mnist")
            Expect.equal (DataLocator.candidates env FashionMnist.spec None |> List.map fst)
                [ Path.Combine(root, "user", "fashion-mnist"); moved ] "the user root, then the moved system folder; never /usr/share"
            match DataLocator.locateIn env FashionMnist.spec None with
            | Ok p -> failtestf "found %s in an empty folder" p
            | Error msg -> Expect.stringContains msg (moved + " ($FUNCCNN_SYSTEM_DATA/fashion-mnist): no such folder") "the moved folder is named"
            Directory.CreateDirectory moved |> ignore
            for s in [ "train-images-idx3-ubyte"; "train-labels-idx1-ubyte"; "t10k-images-idx3-ubyte"; "t10k-labels-idx1-ubyte" ] do
                write moved s [||] |> ignore
            Expect.equal (DataLocator.locateIn env FashionMnist.spec None) (Ok moved) "the moved system folder is searched"

        testCase "QuickDraw folder: 20 categories with their counts" <| fun () ->
            let ds = QuickDraw.load (Some quickdrawDir) None
            Expect.equal ds.ClassNames (quickdrawCounts |> List.map fst |> Array.ofList) "ds.ClassNames"
            Expect.equal (Dataset.classCounts ds) (quickdrawCounts |> List.map snd |> Array.ofList) "Dataset.classCounts ds"
            Expect.equal (Dataset.count ds) 59990 "Dataset.count ds"
            for c, n in quickdrawCounts do
                let h = Npy.readHeader (Path.Combine(quickdrawDir, c + ".npy"))
                Expect.equal h.Version ((1, 0)) "h.Version"
                Expect.equal h.Descr "|u1" "h.Descr"
                Expect.equal h.Shape ([| n; 784 |]) "h.Shape"
            // a chosen subset, labelled in the order asked
            let two = QuickDraw.loadFolder quickdrawDir (Some [| "train"; "cloud" |])
            Expect.equal (Dataset.classCounts two) ([| 1000; 1000 |]) "Dataset.classCounts two"
            Expect.equal (two.Labels.[0]) 0 "two.Labels.[0]"
            throwsData [ "category 'unicorn' not found"; "available: airplane" ] (fun () -> QuickDraw.loadFolder quickdrawDir (Some [| "unicorn" |])) |> ignore
            // stratified split of the pool keeps every category's share
            let train, test = Dataset.stratifiedSplit (Rng.create 42L) 0.1 two
            Expect.equal (Dataset.classCounts test) ([| 100; 100 |]) "Dataset.classCounts test"
            Expect.equal (Dataset.classCounts train) ([| 900; 900 |]) "Dataset.classCounts train"
    ]
