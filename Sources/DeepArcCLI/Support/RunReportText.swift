import DeepArc
import Foundation

/// The text form of a `deeparc run` report: the model, its modules, and the removal table.
enum RunReportText {
    static func render(_ report: PipelineRunner.Report) -> String {
        var lines: [String] = []
        let model = report.model
        lines.append(
            String(
                format: "model: %@ (%@, %@), %d units, %d parameters, accuracy %.2f%% on %d test samples",
                model.architecture, model.source, model.checkpoint, model.units, model.parameters, model.accuracy * 100,
                model.evaluationSamples))
        if let result = report.modularization {
            lines.append("semantic architecture: " + ModularizationText.render(result))
        }
        if let study = report.layerRemoval {
            lines.append("")
            lines.append(
                "Finding 1 — accuracy after removing units, without retraining (\(study.evaluationSamples) test samples); "
                    + "'BN recal.' re-estimates batch-norm statistics on training samples, weights unchanged:")
            lines.append(
                pad("removed", 8) + pad("kind", 14) + pad("accuracy", 10) + pad("change", 9) + pad("BN recal.", 11)
                    + pad("change", 9) + "units")
            let baseline = study.rows.first?.accuracy ?? 0
            for row in study.rows {
                let change = row.kind == "none" ? "" : String(format: "%+.1f", (row.accuracy - baseline) * 100)
                let recalibrated = row.recalibratedAccuracy.map { String(format: "%.2f%%", $0 * 100) } ?? "—"
                let recalibratedBaseline = study.rows.first?.recalibratedAccuracy ?? baseline
                let recalibratedChange =
                    row.kind == "none"
                    ? "" : row.recalibratedAccuracy.map { String(format: "%+.1f", ($0 - recalibratedBaseline) * 100) } ?? ""
                lines.append(
                    pad("\(row.removedUnits.count)", 8) + pad(row.kind, 14)
                        + pad(String(format: "%.2f%%", row.accuracy * 100), 10) + pad(change, 9)
                        + pad(recalibrated, 11) + pad(recalibratedChange, 9)
                        + (row.removedNames.isEmpty ? "—" : row.removedNames.joined(separator: ", ")))
            }
            if !study.skippedIntraModuleUnits.isEmpty {
                lines.append("  (intra-module units that change shape and need a sewing adapter were not removed: "
                    + "\(study.skippedIntraModuleUnits.map(String.init).joined(separator: ", ")))")
            }
        }
        lines.append("")
        lines.append(String(format: "results in %@ (%.1f s)", report.outputDirectory, report.seconds))
        return lines.joined(separator: "\n")
    }

    private static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
    }
}
