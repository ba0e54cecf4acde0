import Foundation

/// What an OCR engine wrote besides plain text: Tesseract's TSV, hOCR and ALTO XML carry each
/// word's confidence and the page's lines. Read here into the text restoration works on (one line
/// per OCR line, a blank line between the engine's blocks, as Tesseract's own text output) and each
/// word's confidence, which restoration weighs: a word the engine was sure of has its letters right
/// far more often (dev pages read with the English model: letters right for 96 % of the words at
/// confidence 90 or more, 47–60 % at 70–89, under 40 % below).
public struct OCRReading: Equatable, Sendable {
    public enum Format: String, Sendable { case tesseractTSV = "tesseract-tsv", hocr, alto }
    public let format: Format
    /// The page's text: the OCR's lines, words joined by one space.
    public let text: String
    /// Each word's confidence, 0…1, by the offset (in Unicode scalars) of its first character in `text`.
    public let confidences: [Int: Double]
}

public enum OCROutput {
    /// The reading of a TSV, hOCR or ALTO text; nil for anything else (plain text).
    public static func read(_ text: String) -> OCRReading? {
        let head = text.prefix(4096)
        if head.hasPrefix("level\tpage_num\tblock_num\tpar_num\tline_num\tword_num") { return tsv(text) }
        if head.contains("<alto") && text.contains("<String") { return alto(text) }
        if head.contains("ocr_page") || (head.contains("<html") && text.contains("ocrx_word")) { return hocr(text) }
        return nil
    }

    /// A page as the engine's output gives it, element by element: blocks of lines of (word, confidence).
    struct Page {
        var blocks: [[[(String, Double?)]]] = [[]]
        mutating func block() { blocks.append([]) }
        mutating func line() { blocks[blocks.count - 1].append([]) }
        /// A word on the current line (a line opened if the block has none yet).
        mutating func word(_ word: String, _ confidence: Double?) {
            if blocks[blocks.count - 1].isEmpty { line() }
            blocks[blocks.count - 1][blocks[blocks.count - 1].count - 1].append((word, confidence))
        }
    }

    /// Where each of `marks` stands in `text`, in document order.
    static func places(of marks: [String], in text: String) -> [(String.Index, String)] {
        var found: [(String.Index, String)] = []
        for m in marks {
            var at = text.startIndex
            while let r = text.range(of: m, range: at..<text.endIndex) { found.append((r.lowerBound, m)); at = r.upperBound }
        }
        return found.sorted { $0.0 < $1.0 }
    }

    /// Lines of (word, confidence) grouped by block, in reading order, made into a reading.
    static func reading(_ format: OCRReading.Format, _ blocks: [[[(String, Double?)]]]) -> OCRReading {
        var lines: [[(String, Double?)]] = []
        for block in blocks where block.contains(where: { !$0.isEmpty }) {
            if !lines.isEmpty { lines.append([]) }   // a blank line between the engine's blocks
            for line in block where !line.isEmpty { lines.append(line) }
        }
        var text = String.UnicodeScalarView()
        var confidences: [Int: Double] = [:]
        var offset = 0
        for line in lines {
            for (i, (word, confidence)) in line.enumerated() {
                if i > 0 { text.append(" "); offset += 1 }
                let scalars = Normalize.nfc(word).unicodeScalars
                if let confidence { confidences[offset] = max(0, min(1, confidence)) }
                text.append(contentsOf: scalars)
                offset += scalars.count
            }
            text.append("\n"); offset += 1
        }
        return OCRReading(format: format, text: String(text), confidences: confidences)
    }

    /// Tesseract's TSV: level 5 rows are words, with block, paragraph and line numbers and a
    /// confidence of 0–100 (−1 for rows that are not words).
    static func tsv(_ text: String) -> OCRReading {
        var page = Page()
        var lastBlock = "", lastLine = ""
        for row in text.split(separator: "\n").dropFirst() {
            let cols = row.split(separator: "\t", omittingEmptySubsequences: false)
            guard cols.count >= 12, cols[0] == "5" else { continue }
            let word = String(cols[11...].joined(separator: "\t")).trimmingCharacters(in: .whitespacesAndNewlines)
            guard !word.isEmpty else { continue }
            let block = "\(cols[1]).\(cols[2])", line = "\(block).\(cols[3]).\(cols[4])"
            if block != lastBlock { page.block(); lastBlock = block; lastLine = "" }
            if line != lastLine { page.line(); lastLine = line }
            page.word(word, Double(cols[10]).map { $0 < 0 ? nil : $0 / 100 } ?? nil)
        }
        return reading(.tesseractTSV, page.blocks)
    }

    static func unescape(_ s: Substring) -> String {
        var t = String(s)
        guard t.contains("&") else { return t }
        for (entity, char) in [("&lt;", "<"), ("&gt;", ">"), ("&quot;", "\""), ("&#39;", "'"), ("&apos;", "'"), ("&amp;", "&")] {
            t = t.replacingOccurrences(of: entity, with: char)
        }
        return t
    }

    /// hOCR: ocr_carea (blocks), ocr_line (and ocrx_line kin: ocr_textfloat, ocr_header, ocr_caption)
    /// and ocrx_word spans whose title holds "x_wconf NN".
    static func hocr(_ text: String) -> OCRReading {
        var page = Page()
        // every class mark in document order: a block opens a block, a line a line, a word a word
        let classes = ["ocr_carea", "ocr_line", "ocr_textfloat", "ocr_header", "ocr_caption", "ocrx_word"]
        for (index, mark) in places(of: classes.flatMap { ["class='\($0)'", "class=\"\($0)\""] }, in: text) {
            if mark.contains("ocr_carea") { page.block(); continue }
            if !mark.contains("ocrx_word") { page.line(); continue }
            guard let tagEnd = text.range(of: ">", range: index..<text.endIndex),
                  let closing = text.range(of: "</span>", range: tagEnd.upperBound..<text.endIndex) else { continue }
            let tag = text[index..<tagEnd.lowerBound]
            // the word's text, inner markup (<strong>, <em>) dropped
            var word = "", inTag = false
            for c in text[tagEnd.upperBound..<closing.lowerBound] {
                if c == "<" { inTag = true } else if c == ">" { inTag = false } else if !inTag { word.append(c) }
            }
            let w = unescape(Substring(word)).trimmingCharacters(in: .whitespacesAndNewlines)
            guard !w.isEmpty else { continue }
            var confidence: Double?
            if let r = tag.range(of: "x_wconf ") {
                confidence = Double(tag[r.upperBound...].prefix { $0.isNumber || $0 == "." }).map { $0 / 100 }
            }
            page.word(w, confidence)
        }
        return reading(.hocr, page.blocks)
    }

    /// ALTO: blocks, TextLine and String elements; CONTENT is the word, WC its confidence (0–1).
    /// A block is a ComposedBlock where there are any (Tesseract writes its blocks so, and each
    /// paragraph as a TextBlock), else a TextBlock.
    static func alto(_ text: String) -> OCRReading {
        var page = Page()
        let block = text.contains("<ComposedBlock") ? "<ComposedBlock" : "<TextBlock"
        func attribute(_ tag: Substring, _ name: String) -> Substring? {
            for quote in ["\"", "'"] {
                if let r = tag.range(of: " \(name)=\(quote)"), let end = tag[r.upperBound...].firstIndex(of: Character(quote)) {
                    return tag[r.upperBound..<end]
                }
            }
            return nil
        }
        for (index, mark) in places(of: [block, "<TextLine", "<String "], in: text) {
            switch mark {
            case block: page.block()
            case "<TextLine": page.line()
            default:
                guard let end = text.range(of: ">", range: index..<text.endIndex) else { continue }
                let tag = text[index..<end.lowerBound]
                guard let content = attribute(tag, "CONTENT") else { continue }
                let w = unescape(content).trimmingCharacters(in: .whitespacesAndNewlines)
                guard !w.isEmpty else { continue }
                page.word(w, attribute(tag, "WC").flatMap { Double($0) })
            }
        }
        return reading(.alto, page.blocks)
    }
}
