import Foundation

/// Vietnamese number and date forms as printed in administrative documents.
public enum VietnameseNumber {
    /// "55.112" → 55112, "948.288.562" → 948288562, "22,73" → 22.73, "0,67" → 0.67, "1478" → 1478,
    /// "22.73" → 22.73 (a dot followed by other than three digits is a decimal point).
    /// OCR spaces inside ("95 ,57") are ignored. Nil when there is no digit.
    public static func parse(_ text: String) -> Double? {
        let s = text.filter { !$0.isWhitespace }
        guard s.contains(where: \.isNumber) else { return nil }
        var intPart = ""
        var fracPart = ""
        var seenDecimal = false
        let chars = Array(s)
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if c.isASCII && c.isNumber {
                if seenDecimal { fracPart.append(c) } else { intPart.append(c) }
            } else if c == "," {
                if seenDecimal { return nil }
                seenDecimal = true
            } else if c == "." {
                // thousands separator when exactly three digits follow and then a separator or the end
                var j = i + 1
                while j < chars.count, chars[j].isASCII, chars[j].isNumber { j += 1 }
                let digits = j - i - 1
                let groupEnd = j == chars.count || chars[j] == "." || chars[j] == ","
                if digits == 3 && groupEnd && !seenDecimal && !intPart.isEmpty {
                    // thousands
                } else {
                    if seenDecimal { return nil }
                    seenDecimal = true
                }
            } else {
                return nil
            }
            i += 1
        }
        if intPart.isEmpty { intPart = "0" }
        // Hundreds of digits (a damaged line) overflow to infinity, which no JSON can hold: not a number.
        guard let value = Double(fracPart.isEmpty ? intPart : intPart + "." + fracPart), value.isFinite else { return nil }
        return value
    }
}

/// A date as ISO 8601, complete or partial.
public enum VietnameseDate {
    /// ISO form of day/month/year parts, partial when some are missing or out of range:
    /// (16,10,2023) → "2023-10-16"; (nil,12,2025) → "2025-12"; (30,11,nil) → "--11-30";
    /// (25,nil,nil) → "---25"; (8,0,2025) → "2025" (a month of 0 is a blank left in the form).
    public static func iso(day: Int?, month: Int?, year: Int?) -> String? {
        let d = day.flatMap { (1...31).contains($0) ? $0 : nil }
        let m = month.flatMap { (1...12).contains($0) ? $0 : nil }
        let y = year.flatMap { (1900...2200).contains($0) ? $0 : nil }
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        switch (d, m, y) {
        case let (d?, m?, y?):
            guard isValid(day: d, month: m, year: y) else { return "\(y)-\(two(m))" }
            return "\(y)-\(two(m))-\(two(d))"
        case let (_, m?, y?): return "\(y)-\(two(m))"
        case let (_, nil, y?): return "\(y)"
        case let (d?, m?, nil): return "--\(two(m))-\(two(d))"
        case let (d?, nil, nil): return "---\(two(d))"
        default: return nil
        }
    }

    static func isValid(day: Int, month: Int, year: Int) -> Bool {
        let days = [31, (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return day <= days[month - 1]
    }

    /// Parses the date forms of a text: "16/10/2023", "ngày 16 tháng 10 năm 2023", "tháng 12 năm 2025",
    /// "30/11" (yearly when followed by "hằng năm"), "năm 2025". Returns the ISO string or nil.
    public static func parse(_ text: String) -> String? {
        let f = ExtractionRules.key(text)
        let nums = f.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
        if f.contains("/") || f.contains("-") && !f.contains("thang") {
            switch nums.count {
            case 3...: return iso(day: nums[0], month: nums[1], year: nums[2])
            case 2: return nums[1] > 12 ? iso(day: nil, month: nums[0], year: nums[1]) : iso(day: nums[0], month: nums[1], year: nil)
            default: return nil
            }
        }
        func after(_ word: String) -> Int? {
            guard let r = f.range(of: word + " ") else { return nil }
            let rest = f[r.upperBound...]
            return Int(rest.prefix(while: \.isNumber))
        }
        // "31 tháng 12 năm 2013": the day stands first when "ngày" was left out
        let leading = f.first?.isNumber == true ? Int(f.prefix(while: \.isNumber)) : nil
        let d = after("ngay") ?? (f.contains("thang") ? leading : nil), m = after("thang"), y = after("nam")
        if d == nil && m == nil && y == nil { return nil }
        return iso(day: d, month: m, year: y)
    }
}
