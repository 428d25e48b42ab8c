//! Draws check charts as SVG with plotters. Text uses plotters' built-in
//! font metrics, so no system font is needed and the bytes are stable.

use plotters::prelude::*;

use crate::checks::Chart;
use crate::error::{Error, Result};

const SIZE: (u32, u32) = (900, 480);

/// A line chart of the series over the categorical x axis, as SVG text.
pub fn render(chart: &Chart) -> Result<String> {
    let mut svg = String::new();
    draw(chart, &mut svg).map_err(|e| Error::Other(format!("chart `{}`: {e}", chart.file)))?;
    Ok(svg)
}

fn draw(chart: &Chart, svg: &mut String) -> std::result::Result<(), Box<dyn std::error::Error>> {
    let root = SVGBackend::with_string(svg, SIZE).into_drawing_area();
    root.fill(&WHITE)?;
    let n = chart.x_categories.len().max(1) as i32;
    let y_max =
        chart.series.iter().flat_map(|s| s.1.iter().copied()).fold(0.0_f64, f64::max).max(0.05)
            * 1.1;
    let mut ctx = ChartBuilder::on(&root)
        .caption(&chart.title, ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(56)
        .build_cartesian_2d((0..(n - 1).max(0)).into_segmented(), 0.0..y_max)?;
    let labels = chart.x_categories.clone();
    ctx.configure_mesh()
        .x_desc(chart.x_label.as_str())
        .y_desc(chart.y_label.as_str())
        .x_labels(labels.len().min(12))
        .x_label_formatter(&|v| match v {
            SegmentValue::CenterOf(i) => labels.get(*i as usize).cloned().unwrap_or_default(),
            _ => String::new(),
        })
        .y_label_formatter(&|v| {
            if chart.y_share { format!("{:.0}%", v * 100.0) } else { format!("{v:.0}") }
        })
        .draw()?;
    for (i, (name, values)) in chart.series.iter().enumerate() {
        let color = Palette99::pick(i).to_rgba();
        let points = values.iter().enumerate().map(|(x, y)| (SegmentValue::CenterOf(x as i32), *y));
        ctx.draw_series(LineSeries::new(points, color.stroke_width(2)))?
            .label(name.as_str())
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 16, y)], color.stroke_width(2))
            });
    }
    ctx.configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.3))
        .draw()?;
    root.present()?;
    Ok(())
}
