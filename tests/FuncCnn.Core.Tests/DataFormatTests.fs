module FuncCnn.Core.Tests.DataFormatTests

open System
open System.IO
open Expecto
open FuncCnn.Core.Tests.TestUtil
open FuncCnn
open FuncCnn.Core
open FuncCnn.Core.Data
open FuncCnn.Core.Tests.DataTestUtil

// ---- IDX ----

// ---- NPY ----

// ---- strokes ----

let strokeLine (strokes: (int list * int list) list) =
    let arr (xs: int list) = "[" + String.Join(",", xs) + "]"
    "{\"word\":\"line\",\"drawing\":[" + String.Join(",", strokes |> List.map (fun (xs, ys) -> "[" + arr xs + "," + arr ys + "]")) + "]}"

let rows (img: byte[]) = Array.init 28 (fun r -> Array.sumBy int img.[r * 28 .. r * 28 + 27])
let cols (img: byte[]) = Array.init 28 (fun c -> Array.init 28 (fun r -> int img.[r * 28 + c]) |> Array.sum)

let centreOfMass (weights: int[]) =
    float (weights |> Array.mapi (fun i w -> float i * float w) |> Array.sum) / float (Array.sum weights)

[<Tests>]
let tests =
    testList "DataFormat" [
        testCase "IDX reads every element type, big-endian, plain and gzip" <| fun () ->
            use temp = new TempDir("idx")
            let dir = temp.Path
            let check code payload expected =
                for bytes, name in [ idx code [| 2 |] payload, "a.idx"; gzip (idx code [| 2 |] payload), "a.idx.gz" ] do
                    let a = Idx.read (write dir name bytes)
                    Expect.equal a.Dims ([| 2 |]) "a.Dims"
                    Expect.equal a.Data expected "a.Data"
            check 0x08uy [| 1uy; 255uy |] (UBytes [| 1uy; 255uy |])
            check 0x09uy [| 1uy; 255uy |] (SBytes [| 1y; -1y |])
            check 0x0Buy [| 0x01uy; 0x02uy; 0xFFuy; 0xFEuy |] (Int16s [| 0x0102s; -2s |])
            check 0x0Cuy [| 0uy; 0uy; 1uy; 0uy; 0xFFuy; 0xFFuy; 0xFFuy; 0xFFuy |] (Int32s [| 256; -1 |])
            check 0x0Duy [| 0x3Fuy; 0x80uy; 0uy; 0uy; 0xC0uy; 0uy; 0uy; 0uy |] (Float32s [| 1.0f; -2.0f |])
            check 0x0Euy (Array.append [| 0x3Fuy; 0xF0uy; 0uy; 0uy; 0uy; 0uy; 0uy; 0uy |] [| 0x40uy; 0x09uy; 0x21uy; 0xFBuy; 0x54uy; 0x44uy; 0x2Duy; 0x18uy |]) (Float64s [| 1.0; Math.PI |])
            let a = Idx.read (write dir "m.idx" (idx 0x08uy [| 2; 1; 3 |] [| 1uy .. 6uy |]))
            Expect.equal a.Dims ([| 2; 1; 3 |]) "a.Dims"

        testCase "IDX rejects bad files naming the file and expected vs found" <| fun () ->
            use temp = new TempDir("idxbad")
            let dir = temp.Path
            let f = write dir "magic.idx" [| 1uy; 0uy; 8uy; 1uy; 0uy; 0uy; 0uy; 0uy |]
            let e = throwsData [ "magic number must start with 00 00, found 01 00" ] (fun () -> Idx.read f)
            Expect.equal e.File f "e.File"
            throwsData [ "type.idx"; "unknown IDX element type 0x0a" ] (fun () -> Idx.read (write dir "type.idx" (idx 0x0Auy [| 1 |] [| 0uy |]))) |> ignore
            throwsData [ "trunc.idx"; "truncated"; "describes 12 bytes"; "found 3" ] (fun () -> Idx.read (write dir "trunc.idx" (idx 0x0Cuy [| 3 |] [| 1uy; 2uy; 3uy |]))) |> ignore
            throwsData [ "truncated: expected 8 bytes of 2 IDX dimensions, found 2" ] (fun () -> Idx.read (write dir "hdr.idx" [| 0uy; 0uy; 8uy; 2uy; 0uy; 0uy |])) |> ignore
            throwsData [ "trail.idx"; "2 trailing bytes" ] (fun () -> Idx.read (write dir "trail.idx" (idx 0x08uy [| 1 |] [| 1uy; 2uy; 3uy |]))) |> ignore
            throwsData [ "trail.gz"; "2 trailing bytes" ] (fun () -> Idx.read (write dir "trail.gz" (gzip (idx 0x08uy [| 1 |] [| 1uy; 2uy; 3uy |])))) |> ignore
            throwsData [ "trunc.gz"; "truncated"; "decompressed file has only 2" ] (fun () -> Idx.read (write dir "trunc.gz" (gzip (idx 0x08uy [| 5 |] [| 1uy; 2uy |])))) |> ignore
            throwsData [ "huge.idx"; "truncated"; "describes 4000000000 bytes" ] (fun () -> Idx.read (write dir "huge.idx" (idx 0x08uy [| 40000; 100000 |] [||]))) |> ignore
            throwsData [ "huge.gz"; "more than one array can hold" ] (fun () -> Idx.read (write dir "huge.gz" (gzip (idx 0x0Euy [| 40000; 100000 |] [||])))) |> ignore
            throwsData [ "neg.idx"; "dimension 0 is negative" ] (fun () -> Idx.read (write dir "neg.idx" (idx 0x08uy [| -1 |] [||]))) |> ignore
            let gz = gzip (idx 0x08uy [| 100 |] (Array.init 100 byte))
            gz.[gz.Length - 6] <- gz.[gz.Length - 6] ^^^ 0xFFuy // the CRC
            throwsData [ "crc.gz"; "corrupt gzip" ] (fun () -> Idx.read (write dir "crc.gz" gz)) |> ignore
            throwsData [ "missing.idx"; "file not found" ] (fun () -> Idx.read (Path.Combine(dir, "missing.idx"))) |> ignore

        testCase "an MNIST-style folder rejects mismatched counts and labels out of range" <| fun () ->
            use temp = new TempDir("pair")
            let dir = temp.Path
            let images n = idx 0x08uy [| n; 2; 2 |] (Array.zeroCreate (4 * n))
            write dir "train-images-idx3-ubyte" (images 3) |> ignore
            write dir "t10k-images-idx3-ubyte.gz" (gzip (images 2)) |> ignore
            write dir "t10k-labels-idx1-ubyte" (idx 0x08uy [| 2 |] [| 9uy; 0uy |]) |> ignore
            write dir "train-labels-idx1-ubyte" (idx 0x08uy [| 2 |] [| 1uy; 2uy |]) |> ignore
            throwsData [ "train-labels-idx1-ubyte"; "2 labels"; "holds 3 images" ] (fun () -> Mnist.load (Some dir)) |> ignore
            write dir "train-labels-idx1-ubyte" (idx 0x08uy [| 3 |] [| 1uy; 10uy; 2uy |]) |> ignore
            throwsData [ "train-labels-idx1-ubyte"; "label 10 of image 1 is outside the class range 0..9" ] (fun () -> Mnist.load (Some dir)) |> ignore
            write dir "train-labels-idx1-ubyte" (idx 0x0Cuy [| 3 |] (Array.zeroCreate 12)) |> ignore
            throwsData [ "expected IDX element type 0x08 (unsigned byte), found int32" ] (fun () -> Mnist.load (Some dir)) |> ignore
            write dir "train-labels-idx1-ubyte" (idx 0x08uy [| 3 |] [| 1uy; 3uy; 2uy |]) |> ignore
            let train, test = Mnist.load (Some dir)
            Expect.equal train.Labels ([| 1; 3; 2 |]) "train.Labels"
            Expect.equal test.Labels ([| 9; 0 |]) "test.Labels"
            Expect.equal train.ImageShape ([| 1; 2; 2 |]) "train.ImageShape"

        testCase "npy reads uint8 C-order arrays in versions 1, 2 and 3" <| fun () ->
            use temp = new TempDir("npy")
            let dir = temp.Path
            let payload = Array.init 6 byte
            for v in [ 1uy; 2uy; 3uy ] do
                let f = write dir (sprintf "v%d.npy" v) (npyWithHeader v "{'descr': '|u1', 'fortran_order': False, 'shape': (2, 3), }" payload)
                let shape, data = Npy.readBytes f
                Expect.equal shape ([| 2; 3 |]) "shape"
                Expect.equal data payload "data"
                Expect.equal ((Npy.readHeader f).Version) ((int v, 0)) "(Npy.readHeader f).Version"
            // other spellings NumPy accepts: double quotes, no trailing comma, 1-tuple
            let shape, _ = Npy.readBytes (write dir "q.npy" (npyWithHeader 1uy "{\"shape\": (6,), \"fortran_order\": False, \"descr\": \"<u1\"}" payload))
            Expect.equal shape ([| 6 |]) "shape"

        testCase "npy rejects another dtype, Fortran order, malformed headers, truncation and trailing bytes" <| fun () ->
            use temp = new TempDir("npybad")
            let dir = temp.Path
            let hdr descr fortran shape = sprintf "{'descr': '%s', 'fortran_order': %s, 'shape': %s, }" descr fortran shape
            throwsData [ "f4.npy"; "unsupported dtype '<f4' (expected '|u1'" ] (fun () -> Npy.readBytes (write dir "f4.npy" (npyWithHeader 1uy (hdr "<f4" "False" "(1,)") [| 0uy; 0uy; 0uy; 0uy |]))) |> ignore
            throwsData [ "fo.npy"; "Fortran order" ] (fun () -> Npy.readBytes (write dir "fo.npy" (npyWithHeader 1uy (hdr "|u1" "True" "(2, 2)") (Array.zeroCreate 4)))) |> ignore
            for name, text in [ "nokey", "{'descr': '|u1', 'shape': (2,), }"
                                "extra", "{'descr': '|u1', 'fortran_order': False, 'shape': (2,), 'x': 1}"
                                "junk", "{'descr': '|u1', 'fortran_order': False, 'shape': (2,) } junk"
                                "notdict", "[1, 2]"
                                "badshape", "{'descr': '|u1', 'fortran_order': False, 'shape': (2, -1), }"
                                "unterminated", "{'descr': '|u1, 'fortran_order': False, 'shape': (2,), }" ] do
                throwsData [ name + ".npy"; "malformed .npy header" ] (fun () -> Npy.readBytes (write dir (name + ".npy") (npyWithHeader 1uy text [| 0uy; 0uy |]))) |> ignore
            throwsData [ "magic.npy"; "not a .npy file" ] (fun () -> Npy.readBytes (write dir "magic.npy" (Array.create 20 65uy))) |> ignore
            throwsData [ "ver.npy"; "unsupported .npy format version 4.0" ] (fun () -> Npy.readBytes (write dir "ver.npy" (npyWithHeader 4uy (hdr "|u1" "False" "(1,)") [| 0uy |]))) |> ignore
            throwsData [ "t.npy"; "truncated"; "describes 6 bytes"; "found 4" ] (fun () -> Npy.readBytes (write dir "t.npy" (npy 2 3 (Array.zeroCreate 4)))) |> ignore
            throwsData [ "tr.npy"; "1 trailing bytes" ] (fun () -> Npy.readBytes (write dir "tr.npy" (npy 1 3 (Array.zeroCreate 4)))) |> ignore
            let shortHeader = (npy 1 1 [| 0uy |]).[0..20]
            throwsData [ "h.npy"; "truncated: the .npy header is" ] (fun () -> Npy.readBytes (write dir "h.npy" shortHeader)) |> ignore

        testCase "a horizontal line lands in the middle rows, full width within the padding" <| fun () ->
            let d = Strokes.parseLine "t" 1 (strokeLine [ [ 0; 255 ], [ 0; 0 ] ])
            let img = Strokes.rasterize 28 d
            let r = rows img
            // centred at y = 128 in the 256 box -> 28 * (128 + 24) / 304 = 14.0: rows 13 and 14 share the ink
            Expect.isTrue (r.[13] > 0 && r.[14] > 0) "r.[13] > 0 && r.[14] > 0"
            Expect.equal (r.[14]) (r.[13]) "r.[14]"
            Expect.isTrue (r |> Array.indexed |> Array.forall (fun (i, v) -> i = 13 || i = 14 || v = 0)) (sprintf "%A" r)
            // from x = 24-8 to 24+255+8 units -> about columns 1.5 .. 26.4
            let c = cols img
            Expect.equal (c.[0]) 0 "c.[0]"
            Expect.equal (c.[27]) 0 "c.[27]"
            Expect.isTrue (c.[2] > 0 && c.[25] > 0) "c.[2] > 0 && c.[25] > 0"
            Expect.isTrue (Array.max img > 150uy) "Array.max img > 150uy"

        testCase "a drawing's ink is centred and scaled into the box" <| fun () ->
            // a small off-centre square in raw coordinates; normalized to 0..255 and centred
            let d = Strokes.parseLine "t" 1 (strokeLine [ [ 500; 540; 540; 500; 500 ], [ 900; 900; 940; 940; 900 ] ])
            let img = Strokes.rasterize 28 d
            inRange 13.3 13.7 (centreOfMass (rows img))
            inRange 13.3 13.7 (centreOfMass (cols img))
            // the square's sides reach near the edges (scaled up), its middle is empty
            Expect.isTrue ((rows img).[3] > 0 && (rows img).[24] > 0) "(rows img).[3] > 0 && (rows img).[24] > 0"
            Expect.equal (img.[14 * 28 + 14]) 0uy "img.[14 * 28 + 14]"
            // a vertical line
            let v = Strokes.rasterize 28 (Strokes.parseLine "t" 1 (strokeLine [ [ 3; 3 ], [ 10; 90 ] ]))
            let c = cols v
            Expect.equal (c.[14]) (c.[13]) "c.[14]"
            Expect.isTrue (c |> Array.indexed |> Array.forall (fun (i, x) -> i = 13 || i = 14 || x = 0)) "c |> Array.indexed |> Array.forall (fun (i, x) -> i = 13 || i = 14 || x = 0)"

        testCase "stroke files: words become classes, times are accepted, bare arrays too" <| fun () ->
            use temp = new TempDir("strokes")
            let dir = temp.Path
            let f1 =
                write dir "cat.ndjson"
                    (Text.Encoding.UTF8.GetBytes(
                        String.Join("\n",
                            [ strokeLine [ [ 0; 255 ], [ 0; 0 ] ]
                              ""
                              "[[[0,100,200],[0,50,255],[0,10,20]]]"
                              "{\"word\":\"dog\",\"drawing\":[[[0],[0]]]}" ])))
            let ds = QuickDraw.loadStrokes [ f1 ]
            Expect.equal ds.ClassNames ([| "cat"; "dog"; "line" |]) "ds.ClassNames"
            Expect.equal ds.Labels ([| 2; 0; 1 |]) "ds.Labels"
            Expect.equal ds.ImageShape ([| 1; 28; 28 |]) "ds.ImageShape"

        testCase "stroke errors name the file and the line" <| fun () ->
            use temp = new TempDir("strokebad")
            let dir = temp.Path
            let file lines = write dir "bad.ndjson" (Text.Encoding.UTF8.GetBytes(String.Join("\n", (lines: string list))))
            let ok = strokeLine [ [ 0; 1 ], [ 0; 1 ] ]
            throwsData [ "bad.ndjson"; "line 3: not valid JSON" ] (fun () -> Strokes.readFile (file [ ok; ok; "{\"drawing\": [[[0,1],[0,1]]" ])) |> ignore
            throwsData [ "line 2: stroke 0 has 2 xs but 1 ys" ] (fun () -> Strokes.readFile (file [ ok; "[[[0,1],[0]]]" ])) |> ignore
            throwsData [ "line 1: the object has no \"drawing\" field" ] (fun () -> Strokes.readFile (file [ "{\"word\":\"x\"}" ])) |> ignore
            throwsData [ "line 1: stroke 0 xs must hold only numbers" ] (fun () -> Strokes.readFile (file [ "[[[\"a\"],[1]]]" ])) |> ignore
            throwsData [ "line 1: stroke 0 must have 2 or 3 arrays" ] (fun () -> Strokes.readFile (file [ "[[[1]]]" ])) |> ignore
            throwsData [ "line 1: the drawing has no points" ] (fun () -> Strokes.readFile (file [ "[]" ])) |> ignore
            throwsData [ "line 1: expected a JSON object or array" ] (fun () -> Strokes.readFile (file [ "42" ])) |> ignore

        testCase "a stroke number too large for a double is rejected with its line" <| fun () ->
            throwsData [ "line 1: stroke 0 xs holds 1e999, not a finite number" ] (fun () -> Strokes.parseLine "f" 1 "[[[1e999],[1]]]") |> ignore
    ]
