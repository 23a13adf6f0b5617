/// Hostile inputs (issue 13): sizes whose products overflow 32 bits, damaged model files and
/// manifests, huge layer counts. Every case ends in a typed error naming what is wrong, never in
/// a wrapped-around size that reaches a kernel.
module FuncCnn.Core.Tests.HostileTests

open System
open System.Diagnostics
open System.Text
open System.Text.Json
open Expecto
open FuncCnn.Core.Tests.TestUtil
open FuncCnn
open FuncCnn.Core
open FuncCnn.Core.Data

let private noBias units : LayerSpec =
    Dense { DenseName = None; Units = units; DenseActivation = Linear; DenseUseBias = false
            DenseKernelInit = Zeros; DenseBiasInit = Zeros }

/// A model file whose manifest is `edit`ed (the blobs kept, the checksum recomputed).
let internal editedModelFile (saved: SavedModel) (edit: string -> string) =
    let bytes = Serialization.toBytes saved
    let manifestLength = BitConverter.ToInt32(bytes, 8)
    let manifest = Encoding.UTF8.GetString(bytes, 12, manifestLength)
    let edited = edit manifest
    if edited = manifest then failtest "the edit changed nothing"
    let blobs = bytes.[12 + manifestLength .. bytes.Length - 33]
    Serialization.assemble (Encoding.UTF8.GetBytes edited) blobs

let private denseModel () =
    let model = Model.build (Rng.create 1L) [| 784 |] (Architecture.ofSpecs [ noBias 1 ])
    { Model = model; ClassNames = [||]; History = []; Metadata = Map.empty }

let private compact (s: string) = s.Replace(" ", "").Replace("\n", "").Replace("\r", "")

[<Tests>]
let sizeTests =
    testList "Hostile sizes" [
        test "Shape.numel refuses a product that overflows 32 bits instead of wrapping" {
            let e = throws<ShapeException> (fun () -> Shape.numel [| 65536; 65536 |] |> ignore)
            Expect.stringContains e.Message "[65536,65536]" "names the shape"
            throws<ShapeException> (fun () -> Shape.numel [| 784; (1 <<< 28) + 1 |] |> ignore) |> ignore
            Expect.equal (Shape.numel [| 3; 4 |]) 12 "small shapes still multiply"
        }

        test "A conv whose output overflows 32 bits is refused when the model is built" {
            let arch = Layers.conv2d 1027 3 Linear
            let e = throws<ShapeException> (fun () -> Model.build (Rng.create 1L) [| 1; 2048; 2048 |] arch |> ignore)
            Expect.stringContains e.Message "conv2d" "names the layer"
            Expect.stringContains e.Message "more than one tensor can hold" "says why"
        }

        test "A transposed conv or dense layer whose sizes overflow 32 bits is refused at build" {
            throws<ShapeException> (fun () ->
                Model.build (Rng.create 1L) [| 64; 4096; 4096 |] (Layers.conv2dTranspose 64 3 8 Linear) |> ignore) |> ignore
            throws<ShapeException> (fun () ->
                Model.build (Rng.create 1L) [| 65536 |] (Layers.dense 65537 Linear) |> ignore) |> ignore
            throws<ShapeException> (fun () ->
                Architecture.infer [| 65536; 65536; 2 |] (Layers.flatten) |> ignore) |> ignore
        }

        test "A dataset whose image size overflows 32 bits fails validation" {
            let e = throws<ShapeException> (fun () -> Dataset.ofBytes "big" [| 65536; 65536 |] [||] [| 0 |] [| "a" |] |> ignore)
            Expect.stringContains e.Message "65536" "names the shape"
        }

        test "A model file whose parameter shape overflows 32 bits is a ModelFileException before any allocation" {
            // [784, 2^28+1] holds 784 elements modulo 2^32: exactly the blob bytes of [784, 1]
            let big = (1 <<< 28) + 1
            let bytes =
                editedModelFile (denseModel ()) (fun m ->
                    let root = Nodes.JsonNode.Parse m
                    root.["layers"].[0].["units"] <- Nodes.JsonValue.Create big
                    root.["layers"].[0].["outputShape"] <- Nodes.JsonArray(Nodes.JsonValue.Create big)
                    root.["outputShape"] <- Nodes.JsonArray(Nodes.JsonValue.Create big)
                    root.["parameters"].[0].["shape"] <- Nodes.JsonArray(Nodes.JsonValue.Create 784, Nodes.JsonValue.Create big)
                    root.ToJsonString())
            Expect.stringContains (compact (Encoding.UTF8.GetString bytes)) (sprintf "\"shape\":[784,%d]" big) "the edit took"
            let e = throws<ModelFileException> (fun () -> Serialization.ofBytes "big.fcnn" bytes |> ignore)
            Expect.stringContains e.Message "big.fcnn" "names the file"
            Expect.stringContains e.Message "268435457" "names the shape"
        }
    ]

[<Tests>]
let complexityTests =
    testList "Hostile complexity" [
        test "summary is linear in the number of layers (100k layers well under the quadratic time)" {
            let model = Model.build (Rng.create 1L) [| 4 |] (Architecture.ofSpecs (List.replicate 100_000 (ActivationLayer(None, Relu))))
            let sw = Stopwatch.StartNew()
            let text = Model.summaryText (Model.summary model)
            // quadratic code took > 60 s here; linear code takes well under a second
            Expect.isLessThan sw.Elapsed.TotalSeconds 10.0 "summary of 100k layers"
            Expect.stringContains text "activation_99999" "every layer is listed"
        }

        test "A corrupt .npy header quotes a short, escaped excerpt, not the whole header" {
            use dir = new DataTestUtil.TempDir("hostile")
            let junk = "{'descr': '|u1', " + String('\001', 30000) + String('x', 35000)
            let header = Encoding.Latin1.GetBytes junk
            let bytes = Array.concat [ [| 0x93uy; byte 'N'; byte 'U'; byte 'M'; byte 'P'; byte 'Y'; 1uy; 0uy |]
                                       BitConverter.GetBytes(uint16 header.Length); header ]
            let p = DataTestUtil.write dir.Path "junk.npy" bytes
            let e = throws<DataFormatException> (fun () -> Npy.readBytes p |> ignore)
            Expect.isLessThan e.Message.Length 400 (sprintf "a short message, got %d characters" e.Message.Length)
            Expect.isFalse (e.Message.Contains '\001') "control characters are escaped"
            Expect.stringContains e.Message "\\x01" "shown as \\x01"
        }
    ]

/// Runs f on this thread and returns what it raised and the bytes it allocated.
let private allocatedBy (f: unit -> unit) =
    let before = GC.GetAllocatedBytesForCurrentThread()
    let raised = try f (); None with e -> Some e
    raised, GC.GetAllocatedBytesForCurrentThread() - before

/// A sparse file of `size` zero bytes after `head` (no disk space used).
let private sparse (dir: string) (name: string) (head: byte[]) (size: int64) =
    let p = IO.Path.Combine(dir, name)
    using (new IO.FileStream(p, IO.FileMode.Create)) (fun fs ->
        fs.Write(head, 0, head.Length)
        fs.SetLength size)
    p

/// Raises a typed error of type 'e within 10 s having allocated under 16 MB.
let private failsSmall<'e when 'e :> exn> (label: string) (f: unit -> unit) =
    let task = Threading.Tasks.Task.Run(fun () -> allocatedBy f)
    if not (task.Wait(TimeSpan.FromSeconds 10.0)) then failtestf "%s: no answer in 10 s" label
    match task.Result with
    | Some(:? 'e as e), bytes ->
        Expect.isLessThan bytes (16L <<< 20) (sprintf "%s: allocated %d bytes before failing (%s)" label bytes e.Message)
        e
    | Some e, _ -> failtestf "%s: expected %s, got %s: %s" label typeof<'e>.Name (e.GetType().Name) e.Message
    | None, _ -> failtestf "%s: expected %s, nothing was raised" label typeof<'e>.Name

[<Tests>]
let readingTests =
    testList "Hostile reading" [
        test "A huge file that is not a model fails on its first bytes, without reading the rest" {
            use dir = new DataTestUtil.TempDir("hostile")
            let p = sparse dir.Path "huge.fcnn" [| 1uy; 2uy |] (600L <<< 20)
            let e = failsSmall<ModelFileException> "600 MB of zeros" (fun () -> Serialization.load p |> ignore)
            Expect.stringContains e.Message "not a FuncCnn model file" "says what is wrong"
        }

        test "A model header whose manifest length exceeds the file is refused before the manifest is read" {
            use dir = new DataTestUtil.TempDir("hostile")
            let head = Array.concat [ "FCNN"B; BitConverter.GetBytes 1u; BitConverter.GetBytes 0x7FFF0000u ]
            let p = sparse dir.Path "lying.fcnn" head (300L <<< 20)
            let e = failsSmall<ModelFileException> "lying manifest length" (fun () -> Serialization.load p |> ignore)
            Expect.stringContains e.Message "truncated" "says what is wrong"
        }

        test "/dev/zero as a model or an image fails fast with a typed error" {
            if IO.File.Exists "/dev/zero" then
                failsSmall<ModelFileException> "/dev/zero model" (fun () -> Serialization.load "/dev/zero" |> ignore) |> ignore
                failsSmall<DataFormatException> "/dev/zero image" (fun () -> ImageFile.read "/dev/zero" ImageFile.defaults |> ignore) |> ignore
        }

        test "A huge file that is not an image fails on its first bytes" {
            use dir = new DataTestUtil.TempDir("hostile")
            let p = sparse dir.Path "huge.png" [| 1uy |] (400L <<< 20)
            failsSmall<DataFormatException> "400 MB of zeros as an image" (fun () -> ImageFile.read p ImageFile.defaults |> ignore) |> ignore
        }

        test "IDX image and label counts are compared before a gzip'd label file is inflated" {
            use dir = new DataTestUtil.TempDir("hostile")
            let images = DataTestUtil.idx 0x08uy [| 2; 28; 28 |] (Array.zeroCreate (2 * 784))
            let n = 40_000_000
            let labels = DataTestUtil.idx 0x08uy [| n |] (Array.zeroCreate n)
            DataTestUtil.write dir.Path "imgs.gz" (DataTestUtil.gzip images) |> ignore
            DataTestUtil.write dir.Path "lbls.gz" (DataTestUtil.gzip labels) |> ignore
            let e = failsSmall<DataFormatException> "40M gzip'd labels for 2 images" (fun () ->
                IdxPair.load "pair" dir.Path "imgs" "lbls" (Array.init 10 string) |> ignore)
            Expect.stringContains e.Message "40000000 labels" "names the counts"
        }
    ]

let private smallSaved () =
    let arch = Architecture.ofSpecs [ Conv2D(Layers.convSpec 2 3 Relu); Flatten None; Dense(Layers.denseSpec 3 Softmax) ]
    { Model = Model.build (Rng.create 2L) [| 1; 6; 6 |] arch; ClassNames = [| "a"; "b"; "c" |]; History = []; Metadata = Map [ "seed", "2" ] }

/// The manifest edited by `f` on its JSON tree must be refused naming the file and `field`.
let private refusedNaming (field: string) (f: Nodes.JsonNode -> unit) =
    let bytes = editedModelFile (smallSaved ()) (fun m -> let r = Nodes.JsonNode.Parse m in f r; r.ToJsonString())
    let e = throws<ModelFileException> (fun () -> Serialization.ofBytes "edited.fcnn" bytes |> ignore)
    Expect.stringContains e.Message "edited.fcnn" "names the file"
    Expect.stringContains e.Message field "names the field"

[<Tests>]
let manifestTests =
    testList "Hostile manifests" [
        test "The unedited manifest loads (the edits below are what is refused)" {
            let bytes = Serialization.toBytes (smallSaved ())
            Expect.equal (Serialization.ofBytes "ok.fcnn" bytes).ClassNames [| "a"; "b"; "c" |] "round trip"
        }
        test "A string where a shape is expected names the field" {
            refusedNaming "inputShape" (fun r -> r.["inputShape"] <- Nodes.JsonValue.Create "1,6,6")
        }
        test "A fractional dimension names the field" {
            refusedNaming "inputShape[1]" (fun r -> r.["inputShape"].[1] <- Nodes.JsonValue.Create 6.5)
        }
        test "A 1e300 hyper-parameter names the field" {
            refusedNaming "layers[0].filters" (fun r -> r.["layers"].[0].["filters"] <- Nodes.JsonNode.Parse "1e300")
        }
        test "A 1e300 parameter dimension names the field" {
            refusedNaming "parameters[0].shape[0]" (fun r -> r.["parameters"].[0].["shape"].[0] <- Nodes.JsonNode.Parse "1e300")
        }
        test "A null class name is refused" {
            refusedNaming "classNames[1]" (fun r -> r.["classNames"].[1] <- null)
        }
        test "A numeric class name is refused" {
            refusedNaming "classNames[2]" (fun r -> r.["classNames"].[2] <- Nodes.JsonValue.Create 7)
        }
        test "A layer that is not an object, a boolean that is a string, a metadata number are refused" {
            refusedNaming "layers[1]" (fun r -> r.["layers"].[1] <- Nodes.JsonValue.Create 3)
            refusedNaming "layers[0].useBias" (fun r -> r.["layers"].[0].["useBias"] <- Nodes.JsonValue.Create "yes")
            refusedNaming "training.metadata.seed" (fun r -> r.["training"].["metadata"].["seed"] <- Nodes.JsonValue.Create 2)
        }
    ]

[<Tests>]
let interruptTests =
    testList "Hostile interrupts" [
        test "Saving removes the stale temporary files a killed save left, and nothing else" {
            use dir = new DataTestUtil.TempDir("hostile")
            let target = IO.Path.Combine(dir.Path, "model.fcnn")
            let stale = target + "." + Guid.NewGuid().ToString("N") + ".tmp"
            let fresh = target + "." + Guid.NewGuid().ToString("N") + ".tmp"
            let foreign = IO.Path.Combine(dir.Path, "model.fcnn.notes.tmp")
            let other = IO.Path.Combine(dir.Path, "other.fcnn." + Guid.NewGuid().ToString("N") + ".tmp")
            for f in [ stale; fresh; foreign; other ] do IO.File.WriteAllText(f, "partial")
            for f in [ stale; foreign; other ] do IO.File.SetLastWriteTimeUtc(f, DateTime.UtcNow.AddHours -2.0)
            Serialization.save target (smallSaved ())
            Expect.isFalse (IO.File.Exists stale) "the old temporary file of ours is removed"
            Expect.isTrue (IO.File.Exists fresh) "a recent one (perhaps a save in progress) is kept"
            Expect.isTrue (IO.File.Exists foreign) "a file not of our naming is kept"
            Expect.isTrue (IO.File.Exists other) "another model's temporary file is kept"
            Expect.equal (Serialization.load target).ClassNames [| "a"; "b"; "c" |] "the model is saved"
        }
        test "A stale temporary file that is held open is kept" {
            use dir = new DataTestUtil.TempDir("hostile")
            let target = IO.Path.Combine(dir.Path, "model.fcnn")
            let held = target + "." + Guid.NewGuid().ToString("N") + ".tmp"
            IO.File.WriteAllText(held, "partial")
            IO.File.SetLastWriteTimeUtc(held, DateTime.UtcNow.AddHours -2.0)
            using (new IO.FileStream(held, IO.FileMode.Open, IO.FileAccess.Write, IO.FileShare.None)) (fun _ ->
                Serialization.save target (smallSaved ()))
            Expect.isTrue (IO.File.Exists held) "a file in use is not removed"
            Serialization.save target (smallSaved ())
            Expect.isFalse (IO.File.Exists held) "once closed it is removed"
        }
    ]
