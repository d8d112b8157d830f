import { createTheme } from '@grafana/data';
import { seriesColor, severityColor, valueFormatter } from './config';

describe('valueFormatter', () => {
  it('formats with the unit and decimals of the observed field', () => {
    expect(valueFormatter({ unit: 'percent', decimals: 1 })(42.456)).toBe('42.5%');
    expect(valueFormatter({ unit: 'ms' })(1500)).toBe('1.50 s');
    expect(valueFormatter({})(1500)).toBe('1.50 K');
    expect(valueFormatter({})(null)).toBe('–');
  });
});

describe('colors', () => {
  const theme = createTheme({ colors: { mode: 'dark' } });
  it('resolves severities through the theme palette', () => {
    expect(severityColor(theme, 'critical')).toBe(theme.visualization.getColorByName('red'));
    expect(severityColor(theme, 'minor')).toBe(theme.visualization.getColorByName('yellow'));
  });
  it('cycles series colors through the classic palette', () => {
    const n = theme.visualization.palette.length;
    expect(seriesColor(theme, 0)).toBe(seriesColor(theme, n));
    expect(seriesColor(theme, 0)).not.toBe(seriesColor(theme, 1));
  });
});
