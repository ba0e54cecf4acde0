import Foundation

/// Tables of figures printed as text (columns separated by runs of spaces, as in the typed plans;
/// by single spaces after OCR): each row's label, then its figure cells, read against the header's
/// column titles. Part of the "extract" stage: targets of per-commune, per-indicator and per-fund
/// tables (dev/ANNOTATION-NOTES.md "Tables").
extension Extractor {
    struct TableRow {
        let line: Int            // 1-based
        var label: String
        let cells: [(text: String, value: Double, column: Range<Int>)]
        let percentCell: Bool    // a "%" unit cell before the figures ("Đơn vị" column)
        /// The unit the row states for all its figures, in a unit cell ("Khách quốc tế   lượt   50.000")
        /// or in brackets after its label ("Tổng lượt khách (lượt)", "Tổng thu (tỷ đồng)").
        var rowUnit: (unit: String, measure: String, multiplier: Double)? = nil
        /// The unit the first cell prints itself ("3,8 km", "12 phòng học" under "Quy mô"): that cell is
        /// a count in it whatever the column's title says.
        var firstCellUnit: String? = nil

        func ownUnit(_ cell: Int) -> String? { cell == 0 ? firstCellUnit : nil }
    }

    struct Column {
        var title: String        // folded
        var skip = false
        var unit = ""
        /// The title itself states the unit ("(%)", "(triệu đồng)", "(hộ)", "Số người"): a row's own unit does not replace it.
        var unitStated = false
        /// A result or plan column with no unit of its own ("Thực hiện 9 tháng"): read only in rows that state theirs.
        var onlyWithRowUnit = false
        /// The year the title names ("Năm 2026", "Kế hoạch 2025").
        var year: Int?
        /// The header named this column's scheme (read in order from an OCR'd header).
        var schemeNamed = false
        var measure = "count"
        var multiplier = 1.0
        var indicator: String?
        var status: String?
    }

    func tableTargets(_ doc: Document, sections: [SectionKind?]) -> (targets: [(Int, ExtractionResult.Target)], lines: Set<Int>) {
        let t = doc.t
        // the row's shape: target.table-row in targets.rules
        guard let rowPattern = rules.rule("target.table-row")?.pattern else { return ([], []) }
        let placeUnits = rules.vocabulary("place-units")
        let lines = t.original.pieces(separatedBy: "\n").map(String.init)
        var rows: [Int: TableRow] = [:]
        for (i, line) in lines.enumerated() where Extractor.endsInFigure(line) {
            guard let m = rowPattern.firstMatch(in: line), let lr = m.range("label"), let cr = m.range("cells") else { continue }
            // a part of the row above ("Trong đó: - Khách lưu trú", "- Khách quốc tế") counts in that row's unit
            let partOfAbove = Fold.string(String(line.prefix(40))).trimmingCharacters(in: .whitespaces).hasPrefix("trong do")
                || line.drop(while: { $0 == " " || $0 == "|" }).first.map({ "-+•".contains($0) }) == true
            var rawLabel = Pattern.substring(line, lr)
            if let colon = rawLabel.firstIndex(of: ":"), ["trong do", "cu the", "gom"].contains(Fold.string(String(rawLabel[..<colon])).trimmingCharacters(in: .whitespaces)) {
                rawLabel = String(rawLabel[rawLabel.index(after: colon)...])
            }
            while let f = rawLabel.first, f == " " || f == "-" || f == "+" { rawLabel.removeFirst() }
            var label = ExtractionRules.collapse(rawLabel)
            // a sentence that ends in a number is no row: rows' labels are short and have no verb-like punctuation
            if label.isEmpty || label.count > 70 || label.containsBytes(":") { continue }
            // the unit the row states: a unit cell set apart from the label, or the label's bracket
            var rowUnit: (unit: String, measure: String, multiplier: Double)?
            if let unitCell = Extractor.unitCell?.firstMatch(in: rawLabel), let ug = unitCell.range("unit"), let lg = unitCell.range("label"),
               let u = tableUnit(Pattern.substring(rawLabel, ug)) {
                rowUnit = u
                rawLabel = Pattern.substring(rawLabel, lg)
                label = ExtractionRules.collapse(rawLabel)
            } else if label.hasSuffix(")"), let open = label.lastIndex(of: "("),
                      let u = tableUnit(String(label[label.index(after: open)..<label.index(before: label.endIndex)])) {
                rowUnit = u
                label = ExtractionRules.collapse(String(label[..<open]))
            }
            var cells: [(String, Double, Range<Int>)] = []
            let cellText = Pattern.substring(line, cr)
            let startColumn = Pattern.substring(line, 0..<cr.lowerBound).count
            var col = startColumn
            var current = ""
            var currentStart = col
            for ch in cellText + " " {
                if ch == " " || ch == "|" {
                    if !current.isEmpty, let v = VietnameseNumber.parse(current) { cells.append((current, v, currentStart..<col)) }
                    // "-": an empty cell, which keeps its column ("Xã An Lạc  425  286  -")
                    else if current == "-" || current == "–" || current == "—" { cells.append((current, .nan, currentStart..<col)) }
                    current = ""
                } else {
                    if current.isEmpty { currentStart = col }
                    current.append(ch)
                }
                col += 1
            }
            // "Phường 1", "Thôn 5", "Tổ dân phố 12": a unit named by a number; that number is the label's
            // end, not a figure (place-units.vocab; a unit has fewer than a hundred such siblings)
            if cells.count >= 2, let first = cells.first, first.0.allSatisfy(\.isNumber), first.1 < 100,
               Pattern.substring(line, lr.upperBound..<line.utf8.count).hasPrefix(" " + first.0),
               case let foldedLabel = Fold.string(label),
               placeUnits.entries.contains(where: { e in e.spellings.contains { foldedLabel.hasSuffix(" " + $0) || foldedLabel == $0 } }) {
                label += " " + first.0
                cells.removeFirst()
            }
            // "Đường GTNT thôn 3 - thôn 5, xã Đa Mi   4,5 km   21.300 …": a quantity with its unit ends
            // the label as the row pattern reads it; it is the row's first figure cell
            var quantityUnit: String?
            if let q = Extractor.quantityCell?.firstMatch(in: rawLabel), let lg = q.range("label"), let vg = q.range("value"), let ug = q.range("unit"),
               let unit = listedCountUnit(Pattern.substring(rawLabel, ug)),
               let v = VietnameseNumber.parse(Pattern.substring(rawLabel, vg)) {
                let text = Pattern.substring(rawLabel, vg)
                let start = Pattern.substring(line, 0..<lr.lowerBound).count + Pattern.substring(rawLabel, 0..<vg.lowerBound).count
                cells.insert((text, v, start..<(start + text.count)), at: 0)
                label = ExtractionRules.collapse(Pattern.substring(rawLabel, lg))
                quantityUnit = unit
                rowUnit = nil
            }
            guard !cells.isEmpty else { continue }
            if rowUnit == nil, partOfAbove, quantityUnit == nil, let above = rows[i] { rowUnit = above.rowUnit }
            // a header line ends in a year ("Năm 2024  Kế hoạch 2025"), a row in figures
            if cells.count == 1, !cells[0].0.contains(where: { $0 == "." || $0 == "," }), (1900...2100).contains(cells[0].1) { continue }
            rows[i + 1] = TableRow(line: i + 1, label: label, cells: cells, percentCell: m.range("unitcell") != nil,
                                   rowUnit: rowUnit, firstCellUnit: quantityUnit)
        }
        // tables: runs of at least two row lines (blank lines inside allowed)
        var out: [(Int, ExtractionResult.Target)] = []
        var used = Set<Int>()
        var n = 1
        while n <= lines.count {
            guard rows[n] != nil else { n += 1; continue }
            var block: [TableRow] = []
            var k = n
            while k <= lines.count, let r = rows[k] { block.append(r); k += 1 }
            defer { n = k }
            guard block.count >= 2 else { continue }
            let header = tableHeader(lines, firstRow: n)
            // an OCR'd row has single spaces: under a header with a unit column ("Đơn vị  Năm 2025 …",
            // not "Đơn vị tính"), the label's last word is that cell when it is a unit ("… cao đẳng người")
            let headerFolded = " " + Fold.string(header.text.joined(separator: " ")) + " "
            if headerFolded.containsBytes(" dvt ") || headerFolded.containsBytes(" don vi ") && !headerFolded.containsBytes(" don vi tinh") {
                for r in block.indices where block[r].rowUnit == nil && !block[r].percentCell {
                    let words = block[r].label.split(separator: " ")
                    guard words.count >= 3 else { continue }
                    for take in [2, 1] where words.count > take + 1 {
                        // a unit is printed in lower case ("Ngọc Côn", "Chí Viễn" are names, not "con", "viên")
                        let cell = words.suffix(take).joined(separator: " ")
                        if cell == Normalize.lowercased(cell), let u = tableUnit(cell) {
                            block[r].rowUnit = u
                            block[r].label = words.dropLast(take).joined(separator: " ")
                            break
                        }
                    }
                }
            }
            let columns = tableColumns(doc, header: header, rows: block, lines: lines)
            guard !columns.isEmpty else { continue }
            for l in block.map(\.line) { used.insert(l) }
            for l in header.lines { used.insert(l) }
            for row in block {
                let offset = t.toOriginalInverse(lineStart: row.line - 1)   // folded, as headings are
                // a row of revenue or arrears ("Thu BHXH bắt buộc", "Nợ BHYT") is not the scheme's coverage
                // (ANNOTATION-NOTES: revenue and arrears figures are "khác")
                let foldedLabel = Fold.string(row.label)
                let rowIndicator = foldedLabel.hasPrefix("thu ") || lexicons["other-indicators"]!.contains(foldedLabel) ? "khác"
                    : lexicons["indicators"]!.all(foldedLabel).last?.canonical
                for (ci, cell) in row.cells.enumerated() {
                    let own = row.ownUnit(ci)
                    guard let column = column(for: ci, of: row, columns), !column.skip || own != nil else { continue }
                    if column.onlyWithRowUnit && row.rowUnit == nil && !row.percentCell && own == nil { continue }
                    var unit = column.unit, measure = column.measure, multiplier = column.multiplier
                    if let ru = row.rowUnit, !column.unitStated { (unit, measure, multiplier) = ru }
                    if let own { unit = own; measure = "count" }
                    if row.percentCell { unit = "%"; measure = "rate" }
                    if measure == "rate", cell.value > 100 { continue }
                    let value = measure == "amount" ? (cell.value * multiplier).rounded() : cell.value
                    guard value.isFinite else { continue }
                    let folded = Fold.string(row.label)
                    let population = Extractor.placeWords.contains(where: { folded.hasPrefix($0 + " ") })
                        ? Normalize.lowercased(String(row.label.prefix(1))) + row.label.dropFirst() : row.label
                    // a row that names its indicator ("Người tham gia BHXH tự nguyện", "Tỷ lệ dân số tham gia BHYT")
                    // holds it in every column; a commune's row takes the column's
                    let indicator = measure == "amount" ? "khác" : rowIndicator ?? column.indicator ?? "khác"
                    // a quantity printed with its unit under "Quy mô" is the works' designed size: what is to be built
                    let status = column.status ?? (own != nil ? "target" : defaultTableStatus(doc, at: offset, sections: sections))
                    out.append((offset + ci, .init(indicator: indicator, measure: measure, status: status, value: value, unit: unit,
                                                   population: population, year: column.year ?? doc.year,
                                                   text: ExtractionRules.collapse(lines[row.line - 1]), line: row.line)))
                }
            }
        }
        return (out, used)
    }

    /// A row ends in a figure cell or a date cell (then punctuation or "|" at most): a cheap test
    /// before the row pattern, which most lines fail.
    static func endsInFigure(_ line: String) -> Bool {
        var dash = false
        for c in line.utf8.reversed() {
            if c == 0x20 || c == 0x7C || c == 0x2E || c == 0x3B || c == 0x0D || c == 0x09 { if dash { return true }; continue }
            // an empty cell ("-", "–", "—") ends a row too, when a space sets it apart
            if !dash, c == 0x2D || c == 0x93 || c == 0x94 { dash = true; continue }
            if dash, c == 0x80 || c == 0xE2 { continue }
            if dash { return false }
            return c >= 0x30 && c <= 0x39
        }
        return false
    }

    static let placeWords = ["xa", "phuong", "thi tran", "thon", "ban", "buon", "lang", "ap", "khom", "to dan pho", "khu pho", "toan xa", "toan huyen", "toan tinh", "huyen", "quan", "thi xa", "thanh pho", "von"]

    /// The header above a table's first row: the lines up to a blank line or the caption (a line
    /// ending in ":" or "."), the "(Đơn vị tính: triệu đồng)" line noted apart.
    func tableHeader(_ lines: [String], firstRow: Int) -> (lines: [Int], text: [String], unitLine: String?, caption: String) {
        var hl: [Int] = []
        var unitLine: String?
        var i = firstRow - 1   // 1-based line above the first row
        while i >= 1, hl.count < 6 {
            let s = lines[i - 1]
            let trimmed = s.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { break }
            let f = Fold.string(trimmed)
            // (a line of several bracketed units is the titles' last line: "(người) kiểm tra (hộ) … (triệu đồng)")
            if f.containsBytes("don vi tinh") || f.hasPrefix("(") && f.containsBytes("dong)") && f.utf8.filter({ $0 == UInt8(ascii: "(") }).count == 1 {
                unitLine = f; i -= 1
                // above the header's titles, the unit line closes the header: what stands above it is the
                // caption ("PHỤ LỤC II", "(Kèm theo Quyết định số …)")
                if !hl.isEmpty { break }
                continue
            }
            if trimmed.hasSuffix(":") || trimmed.hasSuffix(".") || trimmed.count > 160 { break }
            hl.insert(i, at: 0)
            i -= 1
        }
        var caption = ""
        var j = i
        var taken = 0
        while j >= 1, taken < 3 {
            let s = lines[j - 1].trimmingCharacters(in: .whitespaces)
            if s.isEmpty { if taken > 0 { break }; j -= 1; continue }
            // an item of the list above ("- Tổng số thu … đạt 182,5 tỷ đồng.") belongs to the section
            // before, not to the table's caption
            if taken > 0, let first = s.unicodeScalars.first, "-+•–".unicodeScalars.contains(first) { break }
            caption = Fold.string(s) + " " + caption; taken += 1
            // a numbered heading ("3. Chỉ tiêu giao cho từng xã", "b) …", "II. …") opens the caption
            if opensNumberedHeading(s) { break }
            j -= 1
        }
        return (hl, hl.map { lines[$0 - 1] }, unitLine, caption)
    }

    /// Each figure column's title, read from the header lines by position: the header's pieces
    /// (separated by two spaces or more) that stand over the column's cells.
    func tableColumns(_ doc: Document, header: (lines: [Int], text: [String], unitLine: String?, caption: String),
                      rows: [TableRow], lines: [String]) -> [Column] {
        let width = rows.map(\.cells.count).max() ?? 0
        guard width > 0 else { return [] }
        // column spans: the widest row's cells
        guard let model = rows.first(where: { $0.cells.count == width }) else { return [] }
        let pieces: [[(text: String, span: Range<Int>)]] = header.text.map { line in
            var out: [(String, Range<Int>)] = []
            let chars = Array(line)
            // (only in a line typed with wide gaps: an OCR'd line has single spaces throughout)
            let spaced = line.contains("  ")
            var i = 0
            while i < chars.count {
                while i < chars.count, chars[i] == " " { i += 1 }
                let s = i
                // a title ends at two spaces, or at a closing bracket ("mẫu giáo (%) gia (trường)": the
                // unit closes one column's title and the next begins after one space)
                while i < chars.count, !(chars[i] == " " && (i + 1 >= chars.count || chars[i + 1] == " " || spaced && i > s && chars[i - 1] == ")")) { i += 1 }
                if i > s { out.append((String(chars[s..<i]), s..<i)) }
            }
            return out
        }
        let aligned = pieces.contains { $0.count >= 3 }
        // an OCR'd header has single spaces: its first line's titles are found by the words that open one
        let lastCells = rows.compactMap { $0.cells.count == width ? $0.cells.last?.text : nil }
        let lastColumnShares = !lastCells.isEmpty && lastCells.allSatisfy(Extractor.isShare)
        let spokenTitles = aligned || header.text.isEmpty ? nil : unalignedTitles(header.text[0], width: width, lastColumnShares: lastColumnShares)
        let headerText = Fold.string(header.text.joined(separator: " "))
        // the money unit: the "(Đơn vị tính: …)" line, else the header's "(triệu đồng)", else the caption
        // (which may state a total in another unit: "tổng kinh phí 21,67 tỷ đồng, cụ thể:")
        let tableMoney = header.unitLine.flatMap(Extractor.moneyMultiplier) ?? Extractor.moneyMultiplier(headerText)
            ?? Extractor.moneyMultiplier(header.caption)
        // "(Đơn vị tính: ha)": the unit of every column whose title states none
        var declared: (unit: String, measure: String, multiplier: Double)?
        if let ul = header.unitLine, let colon = ul.firstIndex(of: ":") {
            let inner = ul[ul.index(after: colon)...].prefix { $0 != ")" && $0 != ";" && $0 != "," }
            if let u = tableUnit(String(inner)), u.measure != "amount" { declared = u }
        }
        let indicators = lexicons["indicators"]!
        // what the table counts: its caption, else the heading it stands under (an OCR'd header
        // swallows the caption: "6. Chỉ tiêu cụ thể phát triển BHYT …" above garbled column titles)
        var contextIndicator = indicators.all(header.caption).last?.canonical
        // a table of revenue or arrears ("Tổng số thu BHXH, BHYT, BHTN … Chi tiết như sau:"): its rates are "khác"
        if contextIndicator != nil, lexicons["other-indicators"]!.contains(header.caption) { contextIndicator = "khác" }
        if contextIndicator == nil, let first = rows.first, let h = heading(at: doc.t.toOriginalInverse(lineStart: first.line - 1), doc.headings),
           !doc.headings[h].isDuty {
            contextIndicator = indicators.all(doc.headings[h].foldedTitle).last?.canonical
        }
        // an OCR'd header whose titles run together may still print each column's unit in brackets,
        // in order ("nâng cấp (km) nước sạch (%) nhà vệ sinh (hộ)"): they belong to the last columns
        var bracketUnits: [String] = []
        if !aligned, spokenTitles == nil {
            bracketUnits = Extractor.bracketed(headerText).filter { inner in
                inner == "%" || Extractor.moneyMultiplier(inner) != nil || inner == "nguoi" || rules.vocabulary("count-units").canonical(inner) != nil
            }.map { "(" + $0 + ")" }
            if bracketUnits.count > width { bracketUnits = [] }
        }
        // the same over several header lines: each line's units stand in its columns' order, but the lines
        // are read one after another, so "the last columns" does not hold; placed by the cells instead
        let placedUnits = !aligned && spokenTitles == nil && header.text.count >= 2 && !bracketUnits.isEmpty
            ? unitsByCells(header.text, rows: rows, width: width) : nil
        // titles read from the header's first line; the units printed under them on the next lines
        // ("năm 2025  9 tháng  KH (%)  cùng kỳ (%)") belong to the last columns in order
        var lowerUnits: [String] = []
        if spokenTitles != nil, header.text.count > 1 {
            lowerUnits = Extractor.bracketed(Fold.string(header.text.dropFirst().joined(separator: " ")))
                .filter { tableUnit($0) != nil }.map { "(" + $0 + ")" }
            if lowerUnits.count > width { lowerUnits = [] }
        }
        var columns: [Column] = []
        for (ci, cell) in model.cells.enumerated() {
            var title = ""
            if aligned {
                for line in pieces {
                    let span = (cell.column.lowerBound - 3)..<(cell.column.upperBound + 2)
                    // a piece belongs to the column it overlaps most ("gia (trường)" grazing the next column's span)
                    if let p = line.max(by: { overlap($0.span, span) < overlap($1.span, span) }), case let o = overlap(p.span, span), o > 0,
                       !model.cells.indices.contains(where: { $0 != ci && overlap(p.span, (model.cells[$0].column.lowerBound - 3)..<(model.cells[$0].column.upperBound + 2)) > o }) {
                        title += " " + p.text
                    }
                }
            }
            if let spokenTitles {
                title = spokenTitles[ci]
                if !lowerUnits.isEmpty, ci >= width - lowerUnits.count, !title.contains("(") { title += " " + lowerUnits[ci - (width - lowerUnits.count)] }
            }
            else if let placedUnits { title = placedUnits[ci] ?? "" }
            else if !bracketUnits.isEmpty, ci >= width - bracketUnits.count { title = bracketUnits[ci - (width - bracketUnits.count)] }
            var c = Column(title: Fold.string(ExtractionRules.collapse(title)))
            describe(&c, doc: doc, tableMoney: tableMoney, unitDeclared: header.unitLine != nil, declared: declared, contextIndicator: contextIndicator, isLast: ci == width - 1,
                     cells: rows.compactMap { $0.cells.count == width ? $0.cells[ci] : nil }.map(\.text), aligned: aligned)
            columns.append(c)
        }
        // the OCR'd header's indicators, read in order, go to the columns of people and shares that
        // name none ("Tỷ lệ bao phủ BHYT (%)", "Số người tham gia BHYT", "… BHXH tự nguyện"), when
        // there are as many; the units in parentheses are left out so that a name split by one reads whole
        // "Số người tham gia BHXH tự nguyện | Tỷ lệ so với LLLĐ (%)": a share right after a count is that count's share
        func shareOfLeftCount(_ i: Int) -> Bool {
            i > 0 && !columns[i].skip && columns[i].measure == "rate" && !columns[i - 1].skip && columns[i - 1].measure == "count"
        }
        // (so too when the titles are only the units placed from the brackets)
        if spokenTitles != nil || !aligned && (placedUnits != nil || !bracketUnits.isEmpty) {
            let open = columns.indices.filter { !columns[$0].skip && (columns[$0].unit == "người" || columns[$0].unit == "%")
                && indicators.all(columns[$0].title).isEmpty && !shareOfLeftCount($0) }
            let firstLine = header.text.first.map(Fold.string)
            var mentions = indicators.all(outsideParentheses(Array(headerText.utf8), 0, headerText.utf8.count))
            // a title's second line may name its scheme again ("Tỷ lệ bao phủ" / "BHYT (%)"): then the first line's
            if mentions.count != open.count, let first = firstLine {
                mentions = indicators.all(outsideParentheses(Array(first.utf8), 0, first.utf8.count))
            }
            if !open.isEmpty, mentions.count == open.count {
                for (k, i) in open.enumerated() { columns[i].indicator = mentions[k].canonical }
            }
            // a share's scheme is the first the header names after its "Tỷ lệ" ("Tỷ lệ bao phủ BHYT"), when
            // there is one "Tỷ lệ" for each share column
            if let first = firstLine {
                let length = first.utf8.count
                let shareCols = columns.indices.filter { !columns[$0].skip && columns[$0].unit == "%" && indicators.all(columns[$0].title).isEmpty }
                var starts: [Int] = []
                var from = first.startIndex
                while let r = first.range(of: "ty le", range: from..<first.endIndex) {
                    starts.append(first.utf8.distance(from: first.startIndex, to: r.lowerBound)); from = r.upperBound
                }
                let all = indicators.all(first)
                let schemes = starts.enumerated().compactMap { (k, st) -> String? in
                    let end = k + 1 < starts.count ? starts[k + 1] : length
                    return all.first(where: { $0.range.lowerBound > st && $0.range.lowerBound < end })?.canonical
                }
                if !shareCols.isEmpty, schemes.count == shareCols.count, starts.count == shareCols.count {
                    for (k, i) in shareCols.enumerated() { columns[i].indicator = schemes[k]; columns[i].schemeNamed = true }
                }
            }
        }
        // a last column that adds up the years' ("Năm 2025 | Năm 2026 | Năm 2027 | Cộng") states nothing new
        if let last = columns.indices.last, ["tong", "cong", "tong cong", "tong so"].contains(columns[last].title),
           columns.dropLast().filter({ $0.year != nil }).count >= 2 { columns[last].skip = true }
        // such a share with no scheme of its own takes its count's
        for i in columns.indices where shareOfLeftCount(i) && indicators.all(columns[i].title).isEmpty && !columns[i].schemeNamed {
            if let scheme = columns[i - 1].indicator, scheme != "khác" { columns[i].indicator = scheme }
        }
        return columns
    }

    /// The bracketed units of an OCR'd header of several lines, by column: a "(%)" goes to the column of
    /// shares, and the units beside it on its line to the columns beside that one ("mẫu giáo (%) giá
    /// (trường)"); a line without a share's unit gives its units to the rightmost columns whose figures
    /// fit them (money to large sums). Nil when the units cannot all be placed so.
    func unitsByCells(_ headerLines: [String], rows: [TableRow], width: Int) -> [Int: String]? {
        let full = rows.filter { $0.cells.count == width }
        guard !full.isEmpty else { return nil }
        func share(_ c: Int) -> Bool { full.filter { Extractor.isShare($0.cells[c].text) }.count * 2 > full.count }
        func large(_ c: Int) -> Bool { full.filter { $0.cells[c].value >= 1000 }.count * 2 > full.count }
        let shares = (0..<width).filter(share)
        var placed: [Int: String] = [:]
        var sharesUsed = 0
        var pending: [[(unit: String, measure: String)]] = []
        for line in headerLines {
            let units: [(unit: String, measure: String)] = Extractor.bracketed(Fold.string(line)).compactMap { inner in
                tableUnit(inner).map { ("(" + inner + ")", $0.measure) }
            }
            guard let p = units.firstIndex(where: { $0.measure == "rate" }) else { pending.append(units); continue }
            guard sharesUsed < shares.count else { return nil }
            let anchor = shares[sharesUsed]
            sharesUsed += units.filter { $0.measure == "rate" }.count
            for (k, u) in units.enumerated() {
                let c = anchor + (k - p)
                guard c >= 0, c < width, placed[c] == nil, (u.measure == "rate") == share(c) else { return nil }
                placed[c] = u.unit
            }
        }
        // (decimals are shares only where the header prints a "%": "62,4" tấn are not)
        for units in pending {
            // a line with a unit for every column left: in order
            let free = (0..<width).filter { placed[$0] == nil }
            if units.count == free.count {
                for (k, c) in free.enumerated() { placed[c] = units[k].unit }
                continue
            }
            for u in units.reversed() {
                guard let c = (0..<width).reversed().first(where: { placed[$0] == nil && (sharesUsed == 0 || !share($0)) && (u.measure != "amount" || large($0)) }) else { return nil }
                placed[c] = u.unit
            }
        }
        return placed.isEmpty ? nil : placed
    }

    /// What each pair of brackets in a header holds, trimmed, in order ("… KH (%) cùng kỳ (%)" → "%", "%").
    static func bracketed(_ s: String) -> [String] {
        var out: [String] = []
        var rest = Substring(s)
        while let open = rest.firstIndex(of: "("), let close = rest[open...].firstIndex(of: ")") {
            out.append(rest[rest.index(after: open)..<close].trimmingCharacters(in: .whitespaces))
            rest = rest[rest.index(after: close)...]
        }
        return out
    }

    static let yearNumber = try? Pattern(#"\b(?:19|20)\d\d\b"#)
    /// A label followed, two spaces or more apart, by a short unit cell ("Khách quốc tế     lượt").
    static let unitCell = try? Pattern(#"^(?<label>.*\S)\s{2,}(?<unit>[^\s\d]+(?:\s[^\s\d]+)?)$"#)

    /// A unit a table states for a row or the whole table ("lượt", "ha", "%", "tỷ đồng"): its unit,
    /// measure and multiplier to đồng; nil for other words.
    func tableUnit(_ text: String) -> (unit: String, measure: String, multiplier: Double)? {
        let f = ExtractionRules.collapse(Fold.string(text))
        if f == "%" { return ("%", "rate", 1) }
        if let m = Extractor.moneyMultiplier(f) ?? (f == "dong" || f == "vnd" ? 1 : nil) { return ("đồng", "amount", m) }
        if let u = listedCountUnit(text) { return (u, "count", 1) }
        if f == "nguoi" { return ("người", "count", 1) }
        return nil
    }

    /// A listed count unit as printed ("tổ", which the list's "tờ" also finds), or the list's
    /// spelling where the text's folds otherwise ("héc ta" → "ha").
    func listedCountUnit(_ text: String) -> String? {
        let f = ExtractionRules.collapse(Fold.string(text))
        guard let u = rules.vocabulary("count-units").canonical(f) else { return nil }
        let printed = Normalize.lowercased(ExtractionRules.collapse(text))
        return Fold.string(u) == f && !printed.contains(where: \.isNumber) ? printed : u
    }
    /// A label that ends in a quantity and its unit: "… xã Hàm Trí   3,8 km", "Trường THCS Hàm Trí  16 phòng học".
    static let quantityCell = try? Pattern(#"^(?<label>.*\S)\s{2,}(?<value>\d{1,3}(?:\.\d{3})*(?:,\d+)?)\s+(?<unit>\p{L}+(?:\s\p{L}+)?)$"#)

    /// A cell that reads as a share: a decimal comma and at most 100 ("95,57").
    static func isShare(_ cell: String) -> Bool { cell.containsBytes(",") && (VietnameseNumber.parse(cell) ?? 999) <= 100 }

    /// The titles of a table's figure columns from an OCR'd header line, right-aligned on the
    /// figure columns: a title opens at each word of table-columns.vocab (and a year closes one:
    /// "Năm 2024 Kế hoạch 2025"); the label columns on the left and a date column on the right
    /// are left out. Nil when the line does not give a title to every figure column.
    func unalignedTitles(_ line: String, width: Int, lastColumnShares: Bool) -> [String]? {
        let folded = Fold.string(line)
        var starts = lexicons["table-columns"]!.all(folded).map(\.range.lowerBound)
        if let years = Extractor.yearNumber {
            for m in years.matches(in: folded) where m.range.upperBound < folded.utf8.count { starts.append(m.range.upperBound) }
        }
        starts = Array(Set(starts)).sorted()
        // "Kế hoạch năm 2025" is one title: a year's "năm" opens none after a title waiting for its year
        let takesYear = ["ke hoach", "thuc hien", "uoc thuc hien", "giai ngan", "du toan"]
        var titles: [String] = []
        for (k, s) in starts.enumerated() {
            let e = k + 1 < starts.count ? starts[k + 1] : folded.utf8.count
            let piece = ExtractionRules.collapse(Pattern.substring(folded, s..<e))
            if piece.hasPrefix("nam "), let last = titles.last, takesYear.contains(last) { titles[titles.count - 1] += " " + piece; continue }
            if piece.isEmpty { continue }
            titles.append(piece)
        }
        // the columns of the row's label: its number, and what the row is ("Đơn vị", "Nguồn vốn", "Hạng mục")
        let labels = ["stt", "tt", "ten", "noi dung", "chi tieu", "don vi", "don vi tinh", "nguon von", "danh muc", "hang muc"]
        while let first = titles.first, labels.contains(where: { first == $0 || first.hasPrefix($0 + " ") }) { titles.removeFirst() }
        while let last = titles.last, ["thoi gian", "ghi chu", "tien do"].contains(where: { last.hasPrefix($0) }) { titles.removeLast() }
        // one title the OCR garbled beyond its opening word ("Tỷ lệ" read "Từ 10"): when the last
        // column holds shares, that is the one missing, and the shares rule reads it untitled
        if titles.count == width - 1, lastColumnShares { titles.append("") }
        guard titles.count >= width else { return nil }
        return Array(titles.suffix(width))
    }

    func overlap(_ a: Range<Int>, _ b: Range<Int>) -> Int { max(0, min(a.upperBound, b.upperBound) - max(a.lowerBound, b.lowerBound)) }

    static func moneyMultiplier(_ folded: String) -> Double? {
        if folded.containsBytes("nghin ty dong") { return 1e12 }
        if folded.containsBytes("ty dong") || folded.containsBytes("ti dong") { return 1e9 }
        if folded.containsBytes("trieu dong") { return 1e6 }
        if folded.containsBytes("nghin dong") || folded.containsBytes("ngan dong") { return 1e3 }
        if folded.containsBytes("(dong)") || folded.containsBytes("don vi tinh: dong") { return 1 }
        return nil
    }

    /// What a column holds, from its title: base figures (population, number of schools) are
    /// skipped; "%" or "tỷ lệ" make rates; "(triệu đồng)" or a money word under a money table make
    /// amounts; "(người)", "Số X", or a counted noun make counts. Without a readable title (an
    /// OCR'd header), only a last column of decimal shares is read, as a rate.
    func describe(_ c: inout Column, doc: Document, tableMoney: Double?, unitDeclared: Bool,
                  declared: (unit: String, measure: String, multiplier: Double)?, contextIndicator: String?, isLast: Bool,
                  cells: [String], aligned: Bool) {
        let title = c.title
        let indicators = lexicons["indicators"]!
        if title.isEmpty {
            let shares = cells.filter(Extractor.isShare).count
            if isLast, !aligned, shares * 2 > cells.count {
                c.unit = "%"; c.measure = "rate"; c.indicator = contextIndicator
            } else if unitDeclared, let m = tableMoney, shares * 2 <= cells.count {
                // "(Đơn vị tính: triệu đồng)" over a header the OCR ran together: the figures are money
                c.unit = "đồng"; c.measure = "amount"; c.multiplier = m; c.indicator = "khác"
            } else if let d = declared, shares * 2 <= cells.count || d.measure == "rate" {
                // "(Đơn vị tính: ha)" likewise
                (c.unit, c.measure, c.multiplier) = d; c.indicator = contextIndicator
            } else if !aligned {
                // a title the OCR lost: read in the rows that state their unit
                c.unit = "%"; c.measure = "rate"; c.onlyWithRowUnit = true; c.indicator = contextIndicator
            } else { c.skip = true }
            return
        }
        // the bases a column of shares is taken of (population, labour force, households)
        let baseWords = ["dan so", "hien co", "stt", "ghi chu", "dien tich tu nhien", "tong so ho", "so ho dan"]
        if baseWords.contains(where: { title.hasPrefix($0) || title.contains($0) }) || title == "tt" { c.skip = true; return }
        // what the unit has, counted bare ("Lực lượng lao động", "Số trường", "Số trẻ, học sinh"): the
        // base the other columns are taken of, not a figure set or reached (ANNOTATION-NOTES "Tables")
        let bare = title.split(separator: "(").first.map { ExtractionRules.collapse(String($0)) } ?? title
        if bare.hasPrefix("luc luong lao dong") || bare.hasPrefix("llld")
            || ["so truong", "so tre", "so hoc sinh", "so tre, hoc sinh", "so tre hoc sinh", "so ho", "so lop", "so xa", "so thon", "so giao vien"].contains(bare) {
            c.skip = true; return
        }
        if title.containsBytes("%") || title.containsBytes("ty le") {
            c.unit = "%"; c.measure = "rate"; c.unitStated = true
            // "Tăng so với cùng kỳ (%)", "Tốc độ tăng (%)"
            if lexicons["growth-words"]?.contains(title) == true || title.hasPrefix("tang ") { c.measure = "growth" }
        } else if let m = Extractor.moneyMultiplier(title) {
            c.unit = "đồng"; c.measure = "amount"; c.multiplier = m; c.unitStated = true
        } else if title.containsBytes("(nguoi)") {
            // the title's own unit before a money unit guessed for the table ("Số người … năm 2025 (người)"
            // under a caption that speaks of "tỷ đồng")
            c.unit = "người"; c.unitStated = true
        } else if let m = tableMoney, ["von", "kinh phi", "ke hoach", "giai ngan", "thu", "chi", "du toan", "tien", "nam"].contains(where: { title.contains($0) }) {
            c.unit = "đồng"; c.measure = "amount"; c.multiplier = m
        } else if title.hasPrefix("so nguoi") {
            c.unit = "người"; c.unitStated = true
        } else if let open = title.firstIndex(of: "("), let close = title[open...].firstIndex(of: ")") {
            let inner = String(title[title.index(after: open)..<close])
            c.unit = rules.vocabulary("count-units").canonical(inner) ?? inner; c.unitStated = true
        } else if let d = declared {
            (c.unit, c.measure, c.multiplier) = d
        } else {
            // the OCR's debris ("Số $6 người tham gia") is no word of the title
            let words = title.split(separator: " ").map(String.init).filter { $0.contains(where: \.isLetter) && !$0.contains("$") }
            let rest = words.first == "so" ? Array(words.dropFirst()) : words
            let countUnits = rules.vocabulary("count-units")
            if rest.count >= 2, let u = countUnits.canonical(rest[0] + " " + rest[1]) { c.unit = u }
            else if words.first == "so", let w = rest.first { c.unit = countUnits.canonical(w) ?? w }
            else if let w = rest.first, let u = countUnits.canonical(w) { c.unit = u }
            // "Kế hoạch trường đạt chuẩn 2025-2026": the noun counted, after the plan's word
            else if title.containsBytes("ke hoach"), let u = rest.lazy.compactMap({ countUnits.canonical($0) }).first { c.unit = u }
            else if words.contains(where: { $0.hasPrefix("nam") }) || title.containsBytes("ke hoach")
                        || words.last.map({ $0.count == 4 && $0.allSatisfy(\.isNumber) }) == true {
                // "Năm 2024", "Kế hoạch 2025": the row's unit cell says what is counted
                c.unit = "%"; c.measure = "rate"
            } else if ["thuc hien", "uoc", "luy ke", "dat duoc"].contains(where: { (" " + title + " ").contains(" " + $0 + " ") }) {
                // "Thực hiện 9 tháng": the rows' units say what
                c.unit = "%"; c.measure = "rate"; c.onlyWithRowUnit = true
            } else { c.skip = true; return }
        }
        c.year = namedYear(title) ?? title.split(separator: " ").lazy.compactMap({ Int($0) }).first(where: { (1990...2100).contains($0) })
        c.indicator = c.measure == "amount" ? "khác" : indicators.all(title).last?.canonical ?? (c.unit == "người" || c.unit == "%" ? contextIndicator : nil)
        let targetWords = lexicons["target-words"]!, actual = lexicons["actual-cues"]!
        // a result against the plan or the same period a year before ("So với KH (%)", "Tăng so với cùng kỳ")
        if ["so voi kh", "so voi ke hoach", "cung ky"].contains(where: { title.containsBytes($0) }) { c.status = "actual" }
        else if targetWords.contains(title) { c.status = "target" }
        // on word boundaries: "ước" is no part of "quốc doanh"
        else if actual.contains(title) || ["thuc hien", "giai ngan", "dat duoc", "uoc"].contains(where: { (" " + title + " ").contains(" " + $0 + " ") }) { c.status = "actual" }
        else if let y = namedYear(title) ?? Int(title.split(separator: " ").first(where: { $0.count == 4 && $0.allSatisfy(\.isNumber) }) ?? ""),
                let dy = doc.year { c.status = y < dy ? "actual" : "target" }
    }

    func column(for index: Int, of row: TableRow, _ columns: [Column]) -> Column? {
        // a row with fewer cells (a total row without its base column) is read from the right
        let shift = columns.count - row.cells.count
        let i = index + max(0, shift)
        return i < columns.count ? columns[i] : nil
    }

    func defaultTableStatus(_ doc: Document, at offset: Int, sections: [SectionKind?]) -> String {
        if let h = heading(at: offset, doc.headings), let s = sections[h] { return s == .past ? "actual" : "target" }
        return doc.info.kind.map(ExtractionRules.key) == "bao cao" ? "actual" : "target"
    }
}
