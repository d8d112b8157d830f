import React from 'react';
import { PanelProps } from '@grafana/data';
import { OverlayOptions } from '../types';
import { testIds } from '../../../components/testIds';

export function OverlayPanel({ width, height }: PanelProps<OverlayOptions>) {
  return <div data-testid={testIds.overlayPanel.container} style={{ width, height }} />;
}
