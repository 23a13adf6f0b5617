module FuncCnn.Core.Tests.DataRealTests

open System
open System.IO
open Xunit
open FuncCnn
open FuncCnn.Core
open FuncCnn.Core.Data
open FuncCnn.Core.Tests.DataTestUtil

[<Fact>]
let ``MNIST from ../shared: counts, first labels and training label counts`` () =
    let train, test = Mnist.load (Some mnistDir)
    Assert.Equal(60000, Dataset.count train)
    Assert.Equal(10000, Dataset.count test)
    Assert.Equal<int[]>([| 5; 0; 4; 1; 9 |], train.Labels.[0..4])
    Assert.Equal<int[]>([| 5923; 6742; 5958; 6131; 5842; 5421; 5918; 6265; 5851; 5949 |], Dataset.classCounts train)
    Assert.Equal<int[]>([| 1; 28; 28 |], train.ImageShape)
    // bytes in memory, 47 MB for the training set
    match train.Pixels with
    | Bytes b -> Assert.Equal(60000 * 784, b.Length)
    | Floats _ -> failwith "MNIST should stay bytes"
    let batch = Dataset.batches 128 train |> Seq.head
    Assert.Equal<int[]>([| 128; 1; 28; 28 |], batch.Images.Shape)
    let v = batch.Images.ToArray()
    Assert.True(Array.forall (fun x -> x >= 0.0f && x <= 1.0f) v)
    Assert.Equal(1.0f, Array.max v)

[<Fact>]
let ``MNIST is found through the repository root without a path`` () =
    // the test runs inside the repository, whose ../shared/datasets holds mnist
    let env = { DataLocator.environment () with WorkingDirectory = AppContext.BaseDirectory; GetVariable = fun _ -> None }
    match DataLocator.locateIn env Mnist.spec None with
    | Ok dir -> Assert.Equal(Path.GetFullPath mnistDir, dir)
    | Error e -> failwith e

[<Fact>]
let ``the locator: explicit path wins, then FUNCCNN_DATA, and misses list every place`` () =
    use temp = new TempDir("locate")
    let root = temp.Path
    let fake = Directory.CreateDirectory(Path.Combine(root, "mnist")).FullName
    for s in [ "train-images-idx3-ubyte"; "train-labels-idx1-ubyte"; "t10k-images-idx3-ubyte.gz"; "t10k-labels-idx1-ubyte" ] do
        write fake s [||] |> ignore
    let env var = { WorkingDirectory = AppContext.BaseDirectory; GetVariable = fun v -> if v = "FUNCCNN_DATA" then var else None }
    Assert.Equal(Ok fake, DataLocator.locateIn (env (Some root)) Mnist.spec None)
    Assert.Equal(Ok(Path.GetFullPath mnistDir), DataLocator.locateIn (env (Some root)) Mnist.spec (Some mnistDir))
    // an explicit path that does not hold the data is an error, never a silent fallback
    match DataLocator.locateIn (env (Some root)) Mnist.spec (Some root) with
    | Ok p -> failwithf "found %s" p
    | Error msg ->
        Assert.Contains(root + " (the explicit path): the folder lacks the files", msg)
        Assert.DoesNotContain("FUNCCNN_DATA/", msg)
    // nothing anywhere: every place and how to get it
    // (the system folder is redirected into the temp dir: whether this machine has Debian's
    // dataset-fashion-mnist installed must not change the outcome)
    let nowhere = { WorkingDirectory = Path.GetPathRoot root; GetVariable = fun v -> if v = "FUNCCNN_DATA" then Some root else None }
    Assert.Equal<string list>([ "/usr/share/datasets/fashion-mnist" ], FashionMnist.spec.SystemFolders)
    let systemFolder = Path.Combine(root, "usr-share", "fashion-mnist")
    match DataLocator.locateIn nowhere { FashionMnist.spec with SystemFolders = [ systemFolder ] } None with
    | Ok p -> failwithf "found %s" p
    | Error msg ->
        Assert.Contains(Path.Combine(root, "fashion-mnist") + " ($FUNCCNN_DATA/fashion-mnist): no such folder", msg)
        Assert.Contains(systemFolder + " (the system folder)", msg)
        Assert.Contains("no FuncCnn repository above", msg)
        Assert.Contains("apt-get install -y dataset-fashion-mnist", msg)
    let e = throwsData [ "dataset mnist not found"; "FUNCCNN_DATA" ] (fun () -> Mnist.load (Some(Path.Combine(root, "nope"))))
    Assert.Contains("no such folder", e.Message)

let quickdrawCounts =
    [ for c in [ "airplane"; "banana"; "bird"; "book"; "cat"; "clock"; "dog"; "flower"; "house"; "rainbow" ] -> c, 3999
      for c in [ "apple"; "bicycle"; "diamond"; "eye"; "fish" ] -> c, 3000
      for c in [ "cloud"; "horse"; "house_plant"; "smiley_face"; "train" ] -> c, 1000 ]
    |> List.sortWith (fun (a, _) (b, _) -> String.CompareOrdinal(a, b))

[<Fact>]
let ``QuickDraw folder: 20 categories with their counts`` () =
    let ds = QuickDraw.load (Some quickdrawDir) None
    Assert.Equal<string[]>(quickdrawCounts |> List.map fst |> Array.ofList, ds.ClassNames)
    Assert.Equal<int[]>(quickdrawCounts |> List.map snd |> Array.ofList, Dataset.classCounts ds)
    Assert.Equal(59990, Dataset.count ds)
    for c, n in quickdrawCounts do
        let h = Npy.readHeader (Path.Combine(quickdrawDir, c + ".npy"))
        Assert.Equal((1, 0), h.Version)
        Assert.Equal("|u1", h.Descr)
        Assert.Equal<int[]>([| n; 784 |], h.Shape)
    // a chosen subset, labelled in the order asked
    let two = QuickDraw.loadFolder quickdrawDir (Some [| "train"; "cloud" |])
    Assert.Equal<int[]>([| 1000; 1000 |], Dataset.classCounts two)
    Assert.Equal(0, two.Labels.[0])
    throwsData [ "category 'unicorn' not found"; "available: airplane" ] (fun () -> QuickDraw.loadFolder quickdrawDir (Some [| "unicorn" |])) |> ignore
    // stratified split of the pool keeps every category's share
    let train, test = Dataset.stratifiedSplit (Rng.create 42L) 0.1 two
    Assert.Equal<int[]>([| 100; 100 |], Dataset.classCounts test)
    Assert.Equal<int[]>([| 900; 900 |], Dataset.classCounts train)
