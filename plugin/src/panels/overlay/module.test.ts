import {
  PanelOptionsEditorBuilder,
  PanelPlugin,
  StandardEditorContext,
  standardEditorsRegistry,
  StandardEditorsRegistryItem,
} from '@grafana/data';
import { plugin } from './module';
import { defaultOverlayOptions, OverlayOptions, ROLE_OPTION, SERIES_ROLES } from './types';

// Grafana registers its option editor components at startup; the builder only needs their ids.
beforeAll(() => {
  standardEditorsRegistry.setInit(() =>
    ['text', 'radio', 'number', 'boolean', 'slider'].map((id): StandardEditorsRegistryItem => ({
      id,
      name: id,
      editor: () => null,
    }))
  );
});

function editors() {
  const builder = new PanelOptionsEditorBuilder<OverlayOptions>();
  const supplier = plugin.getPanelOptionsSupplier();
  supplier(builder, { data: [] } as unknown as StandardEditorContext<OverlayOptions>);
  return builder.getItems();
}

describe('overlay panel plugin', () => {
  it('is a PanelPlugin', () => {
    expect(plugin).toBeInstanceOf(PanelPlugin);
  });

  it('has one editor per option, defaulting to the documented defaults', () => {
    const items = editors();
    const byPath = new Map(items.map((i) => [i.path, i]));
    expect([...byPath.keys()].sort()).toEqual(Object.keys(defaultOverlayOptions).sort());
    for (const [path, value] of Object.entries(defaultOverlayOptions)) {
      expect({ path, value: byPath.get(path)?.defaultValue }).toEqual({ path, value });
    }
  });

  it('defaults each role to the detector output series', () => {
    const names = SERIES_ROLES.map((r) => defaultOverlayOptions[ROLE_OPTION[r]]);
    expect(names).toEqual([
      'anomalylens_observed',
      'anomalylens_expected',
      'anomalylens_expected_lower',
      'anomalylens_expected_upper',
      'anomalylens_score',
      'anomalylens_anomalous',
      'anomalylens_maintenance',
    ]);
  });

  it('shows the auto-mode limit only in auto mode', () => {
    const item = editors().find((i) => i.path === 'maxOverlaySeries')!;
    expect(item.showIf?.({ ...defaultOverlayOptions, overlayMode: 'auto' }, undefined)).toBe(true);
    expect(item.showIf?.({ ...defaultOverlayOptions, overlayMode: 'all' }, undefined)).toBe(false);
  });
});
