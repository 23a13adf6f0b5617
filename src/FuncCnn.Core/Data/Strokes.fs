namespace FuncCnn.Core.Data

open FuncCnn

open FuncCnn.Core
open System
open System.IO
open System.Text.Json
/// One pen stroke: its points in drawing coordinates (times, when present, are dropped).
type Stroke = { X: float[]; Y: float[] }

/// One Quick, Draw! drawing in the vector ("simplified" or raw) format.
type Drawing =
    { /// The category, when the line has a "word" field.
      Word: string option
      Strokes: Stroke[] }

/// The Quick, Draw! stroke format (one JSON drawing per line, `"drawing": [[xs],[ys]]` or
/// `[[xs],[ys],[ts]]` per stroke) and a rasterizer that renders drawings the way Google's
/// numpy_bitmap files were made.
module Strokes =
    let private fail (file: string) (line: int) fmt =
        Printf.ksprintf (fun s -> raise (DataFormatException(file, sprintf "line %d: %s" line s))) fmt

    let private numbers (file: string) (line: int) (what: string) (e: JsonElement) =
        if e.ValueKind <> JsonValueKind.Array then fail file line "%s must be an array of numbers, found %A" what e.ValueKind
        [| for v in e.EnumerateArray() do
             if v.ValueKind <> JsonValueKind.Number then fail file line "%s must hold only numbers, found %A" what v.ValueKind
             match v.TryGetDouble() with
             | true, x when Double.IsFinite x -> yield x
             | _ -> fail file line "%s holds %s, not a finite number" what (v.GetRawText()) |]

    let private stroke (file: string) (line: int) (k: int) (e: JsonElement) =
        if e.ValueKind <> JsonValueKind.Array then fail file line "stroke %d must be an array [xs, ys] or [xs, ys, ts], found %A" k e.ValueKind
        let n = e.GetArrayLength()
        if n <> 2 && n <> 3 then fail file line "stroke %d must have 2 or 3 arrays (xs, ys[, ts]), found %d" k n
        let xs = numbers file line (sprintf "stroke %d xs" k) e.[0]
        let ys = numbers file line (sprintf "stroke %d ys" k) e.[1]
        if xs.Length <> ys.Length then fail file line "stroke %d has %d xs but %d ys" k xs.Length ys.Length
        if n = 3 then
            let ts = numbers file line (sprintf "stroke %d ts" k) e.[2]
            if ts.Length <> xs.Length then fail file line "stroke %d has %d points but %d times" k xs.Length ts.Length
        { X = xs; Y = ys }

    /// Parses one line: an object with a "drawing" field (and optionally "word"), or a bare
    /// array of strokes. Errors name the file and the line number.
    let parseLine (file: string) (lineNumber: int) (text: string) : Drawing =
        let doc =
            try JsonDocument.Parse(text)
            with :? JsonException as e -> fail file lineNumber "not valid JSON (%s)" e.Message
        use doc = doc
        let root = doc.RootElement
        let drawing, word =
            match root.ValueKind with
            | JsonValueKind.Array -> root, None
            | JsonValueKind.Object ->
                let d =
                    match root.TryGetProperty "drawing" with
                    | true, d -> d
                    | _ -> fail file lineNumber "the object has no \"drawing\" field"
                let w =
                    match root.TryGetProperty "word" with
                    | true, w when w.ValueKind = JsonValueKind.String -> Some(w.GetString())
                    | true, _ -> fail file lineNumber "\"word\" must be a string"
                    | _ -> None
                d, w
            | k -> fail file lineNumber "expected a JSON object or array, found %A" k
        if drawing.ValueKind <> JsonValueKind.Array then fail file lineNumber "\"drawing\" must be an array of strokes, found %A" drawing.ValueKind
        let strokes = drawing.EnumerateArray() |> Seq.mapi (stroke file lineNumber) |> Array.ofSeq
        if strokes |> Array.sumBy (fun s -> s.X.Length) = 0 then fail file lineNumber "the drawing has no points"
        { Word = word; Strokes = strokes }

    /// Reads a stroke file (.ndjson): one drawing per non-blank line.
    let readFile (file: string) : Drawing[] =
        DataFile.guard file (fun () ->
            [| for i, line in File.ReadLines file |> Seq.indexed do
                 if not (String.IsNullOrWhiteSpace line) then yield parseLine file (i + 1) line |])

    /// Google's simplification step that matters for rendering: align the drawing to the
    /// top-left corner (minimum 0) and scale it uniformly so its larger extent spans 0..255.
    /// Already simplified drawings come out unchanged.
    let normalize (d: Drawing) : Drawing =
        let allX = d.Strokes |> Array.collect (fun s -> s.X)
        let allY = d.Strokes |> Array.collect (fun s -> s.Y)
        let minX, minY = Array.min allX, Array.min allY
        let extent = max (Array.max allX - minX) (Array.max allY - minY)
        let scale = if extent > 0.0 then 255.0 / extent else 1.0
        { d with Strokes = d.Strokes |> Array.map (fun s -> { X = s.X |> Array.map (fun x -> (x - minX) * scale); Y = s.Y |> Array.map (fun y -> (y - minY) * scale) }) }

    /// Renders a drawing to side x side bytes (row-major, white strokes 255 on black 0) with the
    /// geometry of Google's vector_to_raster, which made the numpy_bitmap files: the drawing
    /// (normalized into 0..255) is centred in a 256-unit box, lines are 16 units wide with
    /// round caps and joins, 16 units of padding on each side plus half a line width, and each
    /// pixel's value is its ink coverage, measured on an 8x8 grid of samples per pixel.
    let rasterize (side: int) (drawing: Drawing) : byte[] =
        if side <= 0 then Fail.value "rasterize: side must be positive, got %d" side
        let d = normalize drawing
        let allX = d.Strokes |> Array.collect (fun s -> s.X)
        let allY = d.Strokes |> Array.collect (fun s -> s.Y)
        let lineDiameter, padding, original = 16.0, 16.0, 256.0
        let totalPadding = 2.0 * padding + lineDiameter
        let unitsPerPixel = (original + totalPadding) / float side
        let offX = totalPadding / 2.0 + (original - Array.max allX) / 2.0
        let offY = totalPadding / 2.0 + (original - Array.max allY) / 2.0
        let sub = 8
        let gridSide = side * sub
        let step = unitsPerPixel / float sub
        let r = lineDiameter / 2.0
        let r2 = r * r
        let ink = Array.zeroCreate<bool> (gridSide * gridSide)
        // Marks every sample within r of segment (ax,ay)-(bx,by): the union of these capsules
        // is the stroked polyline with round caps and joins.
        let capsule (ax: float) (ay: float) (bx: float) (by: float) =
            let dx, dy = bx - ax, by - ay
            let len2 = dx * dx + dy * dy
            let toGrid v = v / step - 0.5
            let lo v = max 0 (int (ceil (toGrid v)))
            let hi v = min (gridSide - 1) (int (floor (toGrid v)))
            for gy in lo (min ay by - r) .. hi (max ay by + r) do
                let py = (float gy + 0.5) * step
                for gx in lo (min ax bx - r) .. hi (max ax bx + r) do
                    let px = (float gx + 0.5) * step
                    let t = if len2 = 0.0 then 0.0 else Math.Clamp(((px - ax) * dx + (py - ay) * dy) / len2, 0.0, 1.0)
                    let ex, ey = px - (ax + t * dx), py - (ay + t * dy)
                    if ex * ex + ey * ey <= r2 then ink.[gy * gridSide + gx] <- true
        for s in d.Strokes do
            for i in 0 .. s.X.Length - 1 do
                let j = max 0 (i - 1)
                capsule (s.X.[j] + offX) (s.Y.[j] + offY) (s.X.[i] + offX) (s.Y.[i] + offY)
        Array.init (side * side) (fun p ->
            let row, col = p / side, p % side
            let mutable c = 0
            for gy in row * sub .. row * sub + sub - 1 do
                for gx in col * sub .. col * sub + sub - 1 do
                    if ink.[gy * gridSide + gx] then c <- c + 1
            byte ((255 * c + (sub * sub) / 2) / (sub * sub)))
