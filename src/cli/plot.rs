//! `kiln bench --plot`: the medians of a run as an SVG chart, one panel per operation, time
//! against size on log scales, the backend beside the reference measured in the same run.

use std::path::Path;

use plotters::prelude::*;

use super::bench::Record;

/// Draws `records` (one or more operations, each at several sizes) into an SVG at `path`.
pub fn write_svg(path: &Path, backend: &str, records: &[Record]) -> anyhow::Result<()> {
    let mut ops: Vec<&'static str> = records.iter().map(|r| r.op).collect();
    ops.dedup();
    let root = SVGBackend::new(path, (720, 360 * ops.len().max(1) as u32)).into_drawing_area();
    root.fill(&WHITE)?;
    for (area, op) in root.split_evenly((ops.len().max(1), 1)).iter().zip(&ops) {
        let rows: Vec<&Record> = records.iter().filter(|r| r.op == *op).collect();
        let (lo, hi) = rows.iter().fold((f64::MAX, f64::MIN), |(lo, hi), r| {
            let (a, b) = (r.backend.median_ms, r.reference.median_ms);
            (lo.min(a).min(b), hi.max(a).max(b))
        });
        let sizes =
            rows.first().map_or(0, |r| r.log_size)..rows.last().map_or(1, |r| r.log_size + 1);
        let mut chart = ChartBuilder::on(area)
            .caption(
                format!("{op}: {backend} against {}", rows[0].reference_name),
                ("sans-serif", 18),
            )
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(64)
            .build_cartesian_2d(
                sizes.start as f64..(sizes.end as f64 - 1.0).max(sizes.start as f64 + 1.0),
                (lo / 1.5..hi * 1.5).log_scale(),
            )?;
        chart
            .configure_mesh()
            .x_desc("log2 size")
            .y_desc("median ms")
            .draw()?;
        let series = [
            (
                backend.to_string(),
                &BLUE,
                rows.iter()
                    .map(|r| (r.log_size as f64, r.backend.median_ms))
                    .collect::<Vec<_>>(),
            ),
            (
                "reference".to_string(),
                &RED,
                rows.iter()
                    .map(|r| (r.log_size as f64, r.reference.median_ms))
                    .collect(),
            ),
        ];
        for (name, color, points) in series {
            chart
                .draw_series(LineSeries::new(points.clone(), color.stroke_width(2)))?
                .label(name)
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 16, y)], color.stroke_width(2))
                });
            chart.draw_series(
                points
                    .into_iter()
                    .map(|p| Circle::new(p, 3, color.filled())),
            )?;
        }
        chart
            .configure_series_labels()
            .border_style(BLACK)
            .background_style(WHITE.mix(0.8))
            .draw()?;
    }
    root.present()?;
    Ok(())
}
